//! ## What it does
//! CIS AWS Foundations v1.5.0 control 2.1.5 (account level): S3 Block Public Access is
//! configured for the account with all four settings on — BlockPublicAcls,
//! IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets (S3 Control
//! GetPublicAccessBlock). No configuration at all fails.
//!
//! ## Why is this bad?
//! Without the account-wide block, one bucket policy or ACL mistake publishes data to the
//! internet; the account setting overrides every bucket.
//!
//! ## Severity
//! HIGH.
//!
//! ## Example
//! ```json
//! {"PublicAccessBlockConfiguration": {"BlockPublicAcls": true, "IgnorePublicAcls": true, "BlockPublicPolicy": false, "RestrictPublicBuckets": false}}
//! ```
//!
//! Use instead:
//! ```json
//! {"PublicAccessBlockConfiguration": {"BlockPublicAcls": true, "IgnorePublicAcls": true, "BlockPublicPolicy": true, "RestrictPublicBuckets": true}}
//! ```
//!
//! ## References
//! - [CIS AWS Foundations Benchmark v1.5.0, 2.1.5](https://www.cisecurity.org/benchmark/amazon_web_services)
//! - [Blocking public access to your Amazon S3 storage](https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html)

use super::Eval;
use crate::cis::collect::Facts;
use crate::model::Severity;
use crate::rules::{Check, Rule};

pub const LEVEL: u8 = 1;

const SETTINGS: [&str; 4] = [
    "BlockPublicAcls",
    "IgnorePublicAcls",
    "BlockPublicPolicy",
    "RestrictPublicBuckets",
];

pub static RULE: Rule = Rule {
    id: "CIS-2.1.5",
    name: "s3-account-public-access-block",
    title: "S3 Block Public Access on for the account (all four settings)",
    family: "CIS",
    severity: Severity::High,
    remediation: "aws s3control put-public-access-block --account-id ACCOUNT --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true",
    source: include_str!("s3_account_public_access_block.rs"),
    check: Check::Cis,
};

pub fn evaluate(f: &Facts) -> Eval {
    match &f.public_access_block {
        Some(Ok(Some(flags))) => {
            let evidence = vec![format!(
                "GetPublicAccessBlock (account {}): {}",
                f.account,
                SETTINGS
                    .iter()
                    .zip(flags)
                    .map(|(n, v)| format!("{n}={v}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            )];
            let off: Vec<&str> = SETTINGS
                .iter()
                .zip(flags)
                .filter(|(_, v)| !**v)
                .map(|(n, _)| *n)
                .collect();
            if off.is_empty() {
                Eval::pass(evidence)
            } else {
                Eval::fail(
                    format!("account Block Public Access is off for {}", off.join(", ")),
                    evidence,
                )
            }
        }
        Some(Ok(None)) => Eval::fail(
            "the account has no S3 Block Public Access configuration",
            vec![format!(
                "GetPublicAccessBlock (account {}): NoSuchPublicAccessBlockConfiguration",
                f.account
            )],
        ),
        Some(Err(e)) => Eval::warn(
            format!("cannot read the account Block Public Access: {e}"),
            Vec::new(),
        ),
        None => super::missing("the account Block Public Access"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cis::model::Status;

    #[test]
    fn all_four() {
        let mut f = super::super::test_facts::facts();
        f.public_access_block = Some(Ok(Some([true; 4])));
        assert_eq!(evaluate(&f).status, Status::Pass);
        f.public_access_block = Some(Ok(Some([true, true, false, true])));
        let e = evaluate(&f);
        assert_eq!(e.status, Status::Fail);
        assert!(e.reason.unwrap().contains("BlockPublicPolicy"));
        f.public_access_block = Some(Ok(None));
        assert_eq!(evaluate(&f).status, Status::Fail);
    }
}
