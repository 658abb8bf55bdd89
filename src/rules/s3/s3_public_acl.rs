//! ## What it does
//! Flags `AWS::S3::Bucket` resources whose canned ACL (`AccessControl`) grants access
//! beyond the bucket owner: `PublicRead`, `PublicReadWrite` or `AuthenticatedRead`.
//! Values are resolved through `!If`, `!Ref` to a parameter default and `!FindInMap`;
//! a value that cannot be resolved is not reported.
//!
//! ## Why is this bad?
//! `PublicRead` lets anyone on the internet list the bucket; `PublicReadWrite` also lets
//! anyone upload, overwrite and delete objects (the bucket becomes free hosting for
//! malware and the bill is yours). `AuthenticatedRead` is no better than it sounds: it
//! means *any* AWS account, not yours. Since April 2023 new buckets disable ACLs and
//! block public access by default, so such a template either fails to deploy or only
//! works because those protections were switched off next to it; either way the intent
//! is a public bucket, which should be a bucket policy for exactly the objects meant to
//! be public (or CloudFront with origin access control).
//!
//! ## Severity
//! HIGH for `PublicRead` and `AuthenticatedRead`: anonymous (or any-account) read of
//! everything in the bucket. CRITICAL for `PublicReadWrite`: anonymous write and delete
//! as well, i.e. loss of integrity and availability of the data.
//!
//! ## Example
//! ```yaml
//! Assets:
//!   Type: AWS::S3::Bucket
//!   Properties:
//!     AccessControl: PublicRead
//! ```
//!
//! Use instead:
//! ```yaml
//! Assets:
//!   Type: AWS::S3::Bucket
//!   Properties:
//!     OwnershipControls:
//!       Rules: [{ObjectOwnership: BucketOwnerEnforced}]
//!     PublicAccessBlockConfiguration:
//!       BlockPublicAcls: true
//!       BlockPublicPolicy: true
//!       IgnorePublicAcls: true
//!       RestrictPublicBuckets: true
//! ```
//!
//! ## References
//! - [Canned ACL](https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#canned-acl)
//! - [Controlling ownership of objects and disabling ACLs](https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html)
//! - [CWE-732](https://cwe.mitre.org/data/definitions/732.html)

use crate::model::{Finding, Severity};
use crate::rules::{Check, Ctx, Rule};

pub const RULE: Rule = Rule {
    id: "S3001",
    name: "s3-public-acl",
    title: "S3 bucket has a public canned ACL",
    family: "S3",
    severity: Severity::High,
    remediation: "Remove AccessControl (ACLs are disabled by default) and grant the access that is really needed in a bucket policy, or serve public content through CloudFront with origin access control.",
    source: include_str!("s3_public_acl.rs"),
    check: Check::Template(check),
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let tpl = ctx.tpl;
    for r in super::buckets(tpl) {
        let Some(node) = r.prop("AccessControl") else {
            continue;
        };
        let values = tpl.strings(node);
        let has = |acl: &str| values.iter().any(|v| v.as_deref() == Some(acl));
        let (severity, acl, what) = if has("PublicReadWrite") {
            (
                Severity::Critical,
                "PublicReadWrite",
                "anyone on the internet can read, write and delete its objects",
            )
        } else if has("PublicRead") {
            (
                Severity::High,
                "PublicRead",
                "anyone on the internet can list and read it",
            )
        } else if has("AuthenticatedRead") {
            (
                Severity::High,
                "AuthenticatedRead",
                "any AWS account, not only yours, can read it",
            )
        } else {
            continue;
        };
        let mut f = ctx.finding(
            &RULE,
            r,
            node,
            r.path("Properties.AccessControl"),
            format!("Bucket {} has AccessControl {acl}: {what}.", r.id),
        );
        f.severity = severity;
        out.push(f);
    }
}
