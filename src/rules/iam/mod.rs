pub mod admin_managed_policy;
pub mod not_action_not_resource;
pub mod passrole_wildcard;
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
