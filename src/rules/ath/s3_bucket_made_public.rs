//! ## What it does
//! Reports S3 changes that make data public or remove the guard against it
//! (`eventSource` = `s3.amazonaws.com` or `s3control.amazonaws.com`):
//! - `PutBucketPolicy` whose policy (`requestParameters.bucketPolicy`, else
//!   `requestParameters.policy`; JSON object or string) has a statement with `Effect` not
//!   `Deny`, `Principal: "*"` or `{"AWS": "*"}` (or `NotPrincipal`), and a `Condition`
//!   constraining none of `aws:SourceIp`, `aws:SourceVpce`, `aws:SourceVpc`,
//!   `aws:PrincipalOrgID`, `aws:PrincipalOrgPaths`, `aws:PrincipalAccount`,
//!   `aws:PrincipalArn`, `aws:SourceArn`, `aws:SourceAccount`, `aws:SourceOrgID`,
//!   `aws:userid`, `s3:DataAccessPointAccount`, `s3:DataAccessPointArn` (any operator, to a
//!   value other than `*`). A condition on `aws:SecureTransport` alone does not restrict.
//! - `PutBucketAcl` with a canned ACL `requestParameters.x-amz-acl` (string or array) of
//!   `public-read`, `public-read-write` or `authenticated-read`, or an
//!   `requestParameters.AccessControlPolicy.AccessControlList.Grant` (object or array) whose
//!   `Grantee.URI` ends in `/groups/global/AllUsers` or `/groups/global/AuthenticatedUsers`.
//! - `DeleteBucketPublicAccessBlock`, `DeleteAccountPublicAccessBlock` (always), and
//!   `PutBucketPublicAccessBlock` / `PutAccountPublicAccessBlock` where any of
//!   `requestParameters.PublicAccessBlockConfiguration.{BlockPublicAcls, IgnorePublicAcls,
//!   BlockPublicPolicy, RestrictPublicBuckets}` is `false` (JSON or string).
//!
//! Failed calls (`errorCode` set) are reported at LOW.
//!
//! ## Why is this bad?
//! A public bucket policy or ACL exposes every object to the internet; turning Block Public
//! Access off is the usual first step of that exfiltration path (and of a backdoored
//! bucket policy).
//!
//! ## Severity
//! HIGH for a public policy or ACL; MEDIUM for Block Public Access removed or turned off
//! (no exposure by itself); LOW for failed attempts.
//!
//! ## Example
//! ```json
//! {"eventSource": "s3.amazonaws.com", "eventName": "PutBucketPolicy",
//!  "requestParameters": {"bucketName": "data", "bucketPolicy": {"Statement": [{"Effect": "Allow",
//!   "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data/*"}]}}}
//! ```
//!
//! Use instead:
//! ```json
//! {"eventSource": "s3.amazonaws.com", "eventName": "PutBucketPolicy",
//!  "requestParameters": {"bucketName": "data", "bucketPolicy": {"Statement": [{"Effect": "Allow",
//!   "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data/*",
//!   "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}]}}}
//! ```
//!
//! ## References
//! - [Blocking public access to your Amazon S3 storage](https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html)
//! - [The meaning of "public" for S3 policies](https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status)
//! - [Stratus Red Team: Backdoor an S3 Bucket via its Bucket Policy](https://stratus-red-team.cloud/attack-techniques/AWS/aws.exfiltration.s3-backdoor-bucket-policy/)
//! - [MITRE ATT&CK T1530 Data from Cloud Storage](https://attack.mitre.org/techniques/T1530/)

use crate::hunt::detect::{Detector, Event, HuntContext, Interest};
use crate::model::{Finding, Severity};
use crate::rules::ath::policy;
use crate::rules::{Check, Rule};
use serde_json::Value;

pub static RULE: Rule = Rule {
    id: "ATH012",
    name: "s3-bucket-made-public",
    title: "S3 bucket made public or Block Public Access turned off",
    family: "ATH",
    severity: Severity::High,
    remediation: "Remove the public statement or grant, turn Block Public Access back on (account level too), and review the bucket's access logs since the change.",
    source: include_str!("s3_bucket_made_public.rs"),
    check: Check::Hunt,
};

const NAMES: &[&str] = &[
    "PutBucketPolicy",
    "PutBucketAcl",
    "DeleteBucketPublicAccessBlock",
    "PutBucketPublicAccessBlock",
    "DeleteAccountPublicAccessBlock",
    "PutAccountPublicAccessBlock",
];

/// Condition keys that keep a `Principal: "*"` statement private.
const RESTRICTING: &[&str] = &[
    "aws:SourceIp",
    "aws:SourceVpce",
    "aws:SourceVpc",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:SourceArn",
    "aws:SourceAccount",
    "aws:SourceOrgID",
    "aws:userid",
    "s3:DataAccessPointAccount",
    "s3:DataAccessPointArn",
];

const PUBLIC_CANNED: &[&str] = &["public-read", "public-read-write", "authenticated-read"];
const PAB_SETTINGS: &[&str] = &[
    "BlockPublicAcls",
    "IgnorePublicAcls",
    "BlockPublicPolicy",
    "RestrictPublicBuckets",
];

struct MadePublic;

pub fn detector() -> Box<dyn Detector> {
    Box::new(MadePublic)
}

fn public_policy(e: &Event) -> Option<String> {
    let doc = policy::document(e.at("requestParameters.bucketPolicy"))
        .or_else(|| policy::document(e.at("requestParameters.policy")))?;
    let open = policy::statements(&doc).into_iter().any(|st| {
        policy::allows(st)
            && policy::aws_principals(st).contains(&"*")
            && !policy::restricted_by(st, RESTRICTING)
    });
    open.then(|| "bucket policy allows Principal \"*\" without a restricting condition".into())
}

fn public_acl(e: &Event) -> Option<String> {
    if let Some(c) = policy::strings(e.at("requestParameters.x-amz-acl"))
        .into_iter()
        .find(|c| PUBLIC_CANNED.contains(c))
    {
        return Some(format!("canned ACL {c}"));
    }
    let grants = e.at("requestParameters.AccessControlPolicy.AccessControlList.Grant");
    let grants: Vec<&Value> = match grants {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(g @ Value::Object(_)) => vec![g],
        _ => Vec::new(),
    };
    grants.into_iter().find_map(|g| {
        let uri = g.pointer("/Grantee/URI").and_then(Value::as_str)?;
        let group = ["AllUsers", "AuthenticatedUsers"]
            .into_iter()
            .find(|grp| uri.ends_with(&format!("/groups/global/{grp}")))?;
        let perm = g
            .get("Permission")
            .and_then(Value::as_str)
            .unwrap_or("access");
        Some(format!("ACL grants {perm} to {group}"))
    })
}

fn access_block_off(e: &Event, name: &str) -> Option<String> {
    if name.starts_with("Delete") {
        return Some("Block Public Access configuration deleted".into());
    }
    let cfg = e.at("requestParameters.PublicAccessBlockConfiguration");
    let off: Vec<&str> = PAB_SETTINGS
        .iter()
        .copied()
        .filter(|k| policy::is_false(cfg.and_then(|c| c.get(*k))))
        .collect();
    (!off.is_empty()).then(|| format!("Block Public Access off: {}", off.join(", ")))
}

impl Detector for MadePublic {
    fn rule(&self) -> &'static Rule {
        &RULE
    }

    fn interest(&self) -> Interest {
        Interest::Names(NAMES)
    }

    fn on_event(&mut self, e: &Event, _ctx: &HuntContext, out: &mut Vec<Finding>) {
        let Some(name) = e.event_name().filter(|n| NAMES.contains(n)) else {
            return;
        };
        if !matches!(
            e.event_source(),
            Some("s3.amazonaws.com" | "s3control.amazonaws.com")
        ) {
            return;
        }
        let (why, sev) = match name {
            "PutBucketPolicy" => (public_policy(e), Severity::High),
            "PutBucketAcl" => (public_acl(e), Severity::High),
            _ => (access_block_off(e, name), Severity::Medium),
        };
        let Some(why) = why else {
            return;
        };
        let target = if name.contains("Account") {
            e.str_at("requestParameters.x-amz-account-id")
                .or(e.recipient_account_id())
                .unwrap_or("unknown account")
        } else {
            e.str_at("requestParameters.bucketName")
                .unwrap_or("unknown bucket")
        };
        let (severity, what) = if e.failed() {
            (Severity::Low, "Failed attempt")
        } else {
            (
                sev,
                if sev == Severity::High {
                    "Made public"
                } else {
                    "Public access guard weakened"
                },
            )
        };
        let who = e.principal().unwrap_or("unknown principal");
        out.push(e.finding(
            &RULE,
            severity,
            target,
            format!("{what}: {name} on {target} ({why}) by {who}"),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::ath::policy::{ODD, run};

    #[test]
    fn public_policies_acls_and_access_block_changes() {
        let ctx = HuntContext::default();
        let recs = r#"[
 {"eventSource":"s3.amazonaws.com","eventName":"PutBucketPolicy","eventID":"1","requestParameters":{"bucketName":"b","bucketPolicy":{"Statement":[{"Effect":"Allow","Principal":{"AWS":["*"]},"Action":"s3:GetObject","Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}}},
 {"eventSource":"s3.amazonaws.com","eventName":"PutBucketPolicy","eventID":"2","requestParameters":{"bucketName":"b","bucketPolicy":{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Condition":{"IpAddress":{"aws:SourceIp":["203.0.113.0/24"]}}}]}}},
 {"eventSource":"s3.amazonaws.com","eventName":"PutBucketAcl","eventID":"3","requestParameters":{"bucketName":"b","x-amz-acl":["public-read"]}},
 {"eventSource":"s3.amazonaws.com","eventName":"PutBucketAcl","eventID":"4","requestParameters":{"bucketName":"b","AccessControlPolicy":{"AccessControlList":{"Grant":{"Grantee":{"URI":"http://acs.amazonaws.com/groups/global/AllUsers"},"Permission":"READ"}}}}},
 {"eventSource":"s3.amazonaws.com","eventName":"PutBucketAcl","eventID":"5","requestParameters":{"bucketName":"b","x-amz-acl":["private"],"AccessControlPolicy":{"AccessControlList":{"Grant":[{"Grantee":{"URI":"http://acs.amazonaws.com/groups/s3/LogDelivery"},"Permission":"WRITE"}]}}}},
 {"eventSource":"s3.amazonaws.com","eventName":"PutBucketPublicAccessBlock","eventID":"6","requestParameters":{"bucketName":"b","PublicAccessBlockConfiguration":{"BlockPublicAcls":true,"IgnorePublicAcls":true,"BlockPublicPolicy":"false","RestrictPublicBuckets":true}}},
 {"eventSource":"s3.amazonaws.com","eventName":"PutBucketPublicAccessBlock","eventID":"7","requestParameters":{"bucketName":"b","PublicAccessBlockConfiguration":{"BlockPublicAcls":true,"IgnorePublicAcls":true,"BlockPublicPolicy":true,"RestrictPublicBuckets":true}}},
 {"eventSource":"s3.amazonaws.com","eventName":"DeleteBucketPublicAccessBlock","eventID":"8","errorCode":"AccessDenied","requestParameters":{"bucketName":"b"}},
 {"eventSource":"s3control.amazonaws.com","eventName":"PutAccountPublicAccessBlock","eventID":"9","recipientAccountId":"111122223333","requestParameters":{"PublicAccessBlockConfiguration":{"BlockPublicAcls":false}}},
 {"eventSource":"s3.amazonaws.com","eventName":"PutBucketPolicy","eventID":"10","requestParameters":{"bucketName":"b","bucketPolicy":{"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*"}]}}}
]"#;
        let f = run(detector(), recs, &ctx);
        let got: Vec<_> = f
            .iter()
            .map(|f| (f.events.as_ref().unwrap().event_ids[0].as_str(), f.severity))
            .collect();
        assert_eq!(
            got,
            vec![
                ("1", Severity::High),
                ("3", Severity::High),
                ("4", Severity::High),
                ("6", Severity::Medium),
                ("8", Severity::Low),
                ("9", Severity::Medium),
            ]
        );
        assert_eq!(f[5].resource_id, "111122223333");
        assert!(f[3].description.contains("BlockPublicPolicy"));
        assert!(run(detector(), ODD, &ctx).is_empty());
    }
}
