//! Live CIS AWS Foundations Benchmark v1.5.0 controls, evaluated by `guardrails cis`
//! (`crate::cis`) over facts read from an account (`crate::cis::collect`).
//!
//! Each file exposes `pub static RULE: Rule` (`check: Check::Cis`), `pub const LEVEL`
//! (CIS profile level) and `pub fn evaluate(&Facts) -> Eval`. Add a module here, a row
//! in [`CONTROLS`], and a row in `registry.rs`; name the id in tests/cis.rs.

pub mod console_users_mfa;
pub mod log_file_validation;
pub mod multi_region_trail;
pub mod no_root_access_keys;
pub mod no_user_policies;
pub mod password_min_length;
pub mod password_reuse;
pub mod root_mfa;
pub mod s3_account_public_access_block;
pub mod unauthorized_api_calls_alarm;
pub mod world_open_admin_ports;

use crate::cis::collect::Facts;
use crate::cis::model::Status;
use crate::rules::Rule;

/// What a control concluded, and from what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Eval {
    pub status: Status,
    /// One line per fact read (never secret values).
    pub evidence: Vec<String>,
    /// Why FAIL or WARN, in one sentence.
    pub reason: Option<String>,
    /// The failing resources (user names, group rule ids, trail ARNs); empty = the account.
    pub resources: Vec<String>,
}

impl Eval {
    pub fn pass(evidence: Vec<String>) -> Eval {
        Eval {
            status: Status::Pass,
            evidence,
            reason: None,
            resources: Vec::new(),
        }
    }
    pub fn fail(reason: impl Into<String>, evidence: Vec<String>) -> Eval {
        Eval {
            status: Status::Fail,
            evidence,
            reason: Some(reason.into()),
            resources: Vec::new(),
        }
    }
    pub fn warn(reason: impl Into<String>, evidence: Vec<String>) -> Eval {
        Eval {
            status: Status::Warn,
            evidence,
            reason: Some(reason.into()),
            resources: Vec::new(),
        }
    }
    pub fn on(mut self, resources: Vec<String>) -> Eval {
        self.resources = resources;
        self
    }
}

pub struct Control {
    pub rule: &'static Rule,
    pub level: u8,
    pub evaluate: fn(&Facts) -> Eval,
}

/// Every control, in benchmark order.
pub static CONTROLS: &[Control] = &[
    Control {
        rule: &no_root_access_keys::RULE,
        level: no_root_access_keys::LEVEL,
        evaluate: no_root_access_keys::evaluate,
    },
    Control {
        rule: &root_mfa::RULE,
        level: root_mfa::LEVEL,
        evaluate: root_mfa::evaluate,
    },
    Control {
        rule: &password_min_length::RULE,
        level: password_min_length::LEVEL,
        evaluate: password_min_length::evaluate,
    },
    Control {
        rule: &password_reuse::RULE,
        level: password_reuse::LEVEL,
        evaluate: password_reuse::evaluate,
    },
    Control {
        rule: &console_users_mfa::RULE,
        level: console_users_mfa::LEVEL,
        evaluate: console_users_mfa::evaluate,
    },
    Control {
        rule: &no_user_policies::RULE,
        level: no_user_policies::LEVEL,
        evaluate: no_user_policies::evaluate,
    },
    Control {
        rule: &s3_account_public_access_block::RULE,
        level: s3_account_public_access_block::LEVEL,
        evaluate: s3_account_public_access_block::evaluate,
    },
    Control {
        rule: &multi_region_trail::RULE,
        level: multi_region_trail::LEVEL,
        evaluate: multi_region_trail::evaluate,
    },
    Control {
        rule: &log_file_validation::RULE,
        level: log_file_validation::LEVEL,
        evaluate: log_file_validation::evaluate,
    },
    Control {
        rule: &unauthorized_api_calls_alarm::RULE,
        level: unauthorized_api_calls_alarm::LEVEL,
        evaluate: unauthorized_api_calls_alarm::evaluate,
    },
    Control {
        rule: &world_open_admin_ports::RULE,
        level: world_open_admin_ports::LEVEL,
        evaluate: world_open_admin_ports::evaluate,
    },
];

pub fn control(id: &str) -> Option<&'static Control> {
    CONTROLS.iter().find(|c| c.rule.id == id)
}

/// A fact the collector was asked for but did not produce: a bug, reported as WARN.
pub(crate) fn missing(what: &str) -> Eval {
    Eval::warn(format!("{what} was not read"), Vec::new())
}

/// The IAM users fact, or the verdict when it is missing.
pub(crate) fn iam_users(f: &Facts) -> Result<&[crate::cis::collect::UserFacts], Eval> {
    match &f.users {
        Some(Ok(u)) => Ok(u),
        Some(Err(e)) => Err(Eval::warn(
            format!("cannot list IAM users: {e}"),
            Vec::new(),
        )),
        None => Err(missing("the IAM users")),
    }
}

/// FAIL on the `failing` users (`"<n> <what>: names"`), else WARN when some users could
/// not be read, else PASS.
pub(crate) fn users_verdict(
    failing: Vec<String>,
    unknown: &[String],
    evidence: Vec<String>,
    what: &str,
) -> Eval {
    if !failing.is_empty() {
        return Eval::fail(
            format!("{} {what}: {}", failing.len(), some(&failing, 5)),
            evidence,
        )
        .on(failing);
    }
    if !unknown.is_empty() {
        return Eval::warn(
            format!(
                "could not read {} user(s): {}",
                unknown.len(),
                some(unknown, 3)
            ),
            evidence,
        );
    }
    Eval::pass(evidence)
}

/// At most `n` names, then "and N more".
pub fn some(names: &[String], n: usize) -> String {
    if names.len() <= n {
        names.join(", ")
    } else {
        format!("{} and {} more", names[..n].join(", "), names.len() - n)
    }
}

#[cfg(test)]
pub(crate) mod test_facts {
    use crate::cis::collect::Facts;

    pub fn facts() -> Facts {
        Facts {
            account: "123456789012".into(),
            home_region: "us-east-1".into(),
            regions: vec!["us-east-1".into()],
            ..Default::default()
        }
    }
}
