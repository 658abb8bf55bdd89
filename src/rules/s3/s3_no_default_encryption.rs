//! ## What it does
//! Flags `AWS::S3::Bucket` resources without a `BucketEncryption` configuration (or with
//! an empty `ServerSideEncryptionConfiguration`).
//!
//! ## Why is this bad?
//! Since January 2023 S3 encrypts every new object with SSE-S3 (AES-256, S3-managed
//! keys) when the bucket says nothing, so a missing configuration no longer means
//! plaintext at rest. Writing it down still matters: it pins the intended encryption in
//! code, where a review or a drift check can see it, and it is the only way to use
//! SSE-KMS with a key you control — whose key policy is a second, independent access
//! check on the data, whose use is logged in CloudTrail, and which can be disabled to
//! cut access off. `BucketKeyEnabled: true` keeps the KMS request cost down.
//!
//! ## Severity
//! LOW: data is encrypted at rest either way; what is missing is explicit intent and,
//! for sensitive data, the control and audit trail that a customer managed KMS key adds.
//!
//! ## Example
//! ```yaml
//! Data:
//!   Type: AWS::S3::Bucket
//! ```
//!
//! Use instead:
//! ```yaml
//! Data:
//!   Type: AWS::S3::Bucket
//!   Properties:
//!     BucketEncryption:
//!       ServerSideEncryptionConfiguration:
//!         - ServerSideEncryptionByDefault:
//!             SSEAlgorithm: aws:kms
//!             KMSMasterKeyID: !Ref DataKey
//!           BucketKeyEnabled: true
//! ```
//!
//! ## References
//! - [Amazon S3 now automatically encrypts all new objects](https://aws.amazon.com/blogs/aws/amazon-s3-encrypts-new-objects-by-default/)
//! - [Setting default server-side encryption behavior for Amazon S3 buckets](https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-encryption.html)
//! - [CWE-311](https://cwe.mitre.org/data/definitions/311.html)

use crate::model::{Finding, Severity};
use crate::rules::props;
use crate::rules::{Check, Ctx, Rule};

pub const RULE: Rule = Rule {
    id: "S3003",
    name: "s3-no-default-encryption",
    title: "S3 bucket has no explicit default encryption",
    family: "S3",
    severity: Severity::Low,
    remediation: "Add BucketEncryption with SSE-KMS (SSEAlgorithm: aws:kms and a customer managed KMSMasterKeyID, BucketKeyEnabled: true), or at least SSE-S3 (AES256) to make the intent explicit.",
    source: include_str!("s3_no_default_encryption.rs"),
    check: Check::Template(check),
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let tpl = ctx.tpl;
    for r in super::buckets(tpl) {
        let alts = r
            .prop("BucketEncryption")
            .map(|c| props::alternatives(tpl, c))
            .unwrap_or_default();
        if alts.is_empty() {
            let (line, col) = props::missing_at(r);
            out.push(ctx.finding_at(
                &RULE,
                &r.id,
                line,
                col,
                r.path("Properties.BucketEncryption"),
                format!(
                    "Bucket {} has no BucketEncryption: objects get the SSE-S3 default, with no key under your control.",
                    r.id
                ),
            ));
            continue;
        }
        // An explicit configuration whose rule list is empty.
        for alt in alts {
            if props::is_opaque(alt) {
                continue;
            }
            let rules = alt.get("ServerSideEncryptionConfiguration");
            if rules.is_none_or(|n| n.intrinsic().is_none() && tpl.list_items(n).is_empty()) {
                let node = rules.unwrap_or(alt);
                out.push(ctx.finding(
                    &RULE,
                    r,
                    node,
                    r.path("Properties.BucketEncryption.ServerSideEncryptionConfiguration"),
                    format!(
                        "Bucket {} has a BucketEncryption without any encryption rule.",
                        r.id
                    ),
                ));
                break;
            }
        }
    }
}
