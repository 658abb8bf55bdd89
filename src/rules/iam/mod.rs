pub mod admin_managed_policy;
pub mod not_action_not_resource;
pub mod passrole_wildcard;
pub mod privilege_escalation_actions;
pub mod trust_policy_open;
pub mod user_with_policies;
pub mod wildcard_action;
pub mod wildcard_principal;
pub mod wildcard_resource_write;

/// Actions that only accept `Resource: "*"`: a wildcard resource is not a choice there.
const STAR_ONLY: &[&str] = &[
    "cloudwatch:putmetricdata",
    "xray:puttracesegments",
    "xray:puttelemetryrecords",
    "ec2:createnetworkinterface",
    "ec2:deletenetworkinterface",
    "ec2:detachnetworkinterface",
    "ec2:assignprivateipaddresses",
    "ec2:unassignprivateipaddresses",
    "logs:createloggroup",
    "logs:createlogstream",
    "logs:putlogevents",
    "codepipeline:putjobsuccessresult",
    "codepipeline:putjobfailureresult",
    "mobileanalytics:putevents",
    "sts:getcalleridentity",
];

const WRITE_VERBS: &[&str] = &[
    "put",
    "create",
    "delete",
    "update",
    "attach",
    "detach",
    "add",
    "remove",
    "set",
    "modify",
    "send",
    "publish",
    "start",
    "stop",
    "terminate",
    "run",
    "write",
    "upload",
    "import",
    "restore",
    "reset",
    "change",
    "enable",
    "disable",
    "associate",
    "disassociate",
    "replace",
    "batchwrite",
    "invoke",
    "assume",
    "tag",
    "untag",
    "copy",
    "execute",
    "schedule",
    "revoke",
    "authorize",
    "register",
    "deregister",
    "deploy",
    "rotate",
];

/// Write or permission-management action (`s3:PutObject`, `iam:Attach*`), judged by its verb.
pub fn is_write_action(action: &str) -> bool {
    let lower = action.to_ascii_lowercase();
    let Some((_, verb)) = lower.split_once(':') else {
        return false;
    };
    if STAR_ONLY.contains(&lower.as_str()) {
        return false;
    }
    WRITE_VERBS.iter().any(|w| verb.starts_with(w))
}

pub fn is_permissions_management(action: &str) -> bool {
    let lower = action.to_ascii_lowercase();
    lower.starts_with("iam:") && is_write_action(action)
        || lower.starts_with("sts:assume")
        || lower.starts_with("organizations:") && is_write_action(action)
        || lower.ends_with("policy") && is_write_action(action)
}

/// Condition keys that pin a wildcard principal to known callers.
pub const RESTRICTING_CONDITION_KEYS: &[&str] = &[
    "aws:sourcearn",
    "aws:sourceaccount",
    "aws:sourceowner",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:principalservicename",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourceip",
    "aws:userid",
    "aws:username",
    "kms:calleraccount",
    "kms:viaservice",
    "s3:dataaccesspointaccount",
    "s3:dataaccesspointarn",
    "sts:externalid",
];

pub fn is_wildcard_principal(v: &str) -> bool {
    v == "*" || (v.starts_with("arn:") && v.contains(":iam::*:"))
}

/// Whether an action pattern (`iam:Pass*`, `iam:*Ro*`, `*`) covers `action` (lowercase).
pub fn action_matches(pattern: &str, action: &str) -> bool {
    fn glob(p: &[u8], s: &[u8]) -> bool {
        match (p.first(), s.first()) {
            (None, None) => true,
            (Some(b'*'), _) => glob(&p[1..], s) || (!s.is_empty() && glob(p, &s[1..])),
            (Some(b'?'), Some(_)) => glob(&p[1..], &s[1..]),
            (Some(a), Some(b)) if a == b => glob(&p[1..], &s[1..]),
            _ => false,
        }
    }
    let p = pattern.to_ascii_lowercase();
    // Bound the backtracking: real patterns have a handful of stars.
    p.matches('*').count() <= 8 && glob(p.as_bytes(), action.as_bytes())
}

/// Condition keys that narrow which resources a statement applies to.
pub fn scopes_resources(key: &str) -> bool {
    key.starts_with("aws:resourcetag/")
        || key.contains(":resourcetag/")
        || key.starts_with("secretsmanager:resource/")
        || RESTRICTING_CONDITION_KEYS.contains(&key)
        || matches!(
            key,
            "ec2:vpc" | "ec2:subnet" | "iam:passedtoservice" | "s3:prefix" | "dynamodb:leadingkeys"
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_patterns() {
        for p in [
            "iam:PassRole",
            "iam:Pas*",
            "iam:*Role",
            "iam:*Ro*",
            "*",
            "iam:*",
            "IAM:passrole",
        ] {
            assert!(action_matches(p, "iam:passrole"), "{p}");
        }
        for p in ["iam:GetRole", "s3:*", "iam:Pass"] {
            assert!(!action_matches(p, "iam:passrole"), "{p}");
        }
    }
}
