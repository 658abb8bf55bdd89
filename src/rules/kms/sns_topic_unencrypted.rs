//! ## What it does
//! Flags `AWS::SNS::Topic` resources without `KmsMasterKeyId` (server-side encryption).
//! An empty value counts as none; a value that cannot be resolved is taken as set. The
//! AWS managed key `alias/aws/sns` satisfies the rule.
//!
//! ## Why is this bad?
//! Unlike SQS, SNS has no encryption-by-default setting: a topic without
//! `KmsMasterKeyId` does not use SNS server-side encryption, so the messages it holds
//! until delivery are not protected by a KMS key whose use you can control and audit.
//! Topics fan out order events, alerts and notifications that often contain personal
//! data. With a customer managed key the key policy also decides which publishers and
//! subscribing services may use the topic's data.
//!
//! ## Severity
//! LOW: messages are only held until delivered, travel over TLS, and the topic's access
//! policy still applies; SSE narrows the exposure of stored messages and is usually a
//! compliance requirement rather than a direct exposure.
//!
//! ## Example
//! ```yaml
//! Alerts:
//!   Type: AWS::SNS::Topic
//! ```
//!
//! Use instead:
//! ```yaml
//! Alerts:
//!   Type: AWS::SNS::Topic
//!   Properties:
//!     KmsMasterKeyId: !Ref TopicKey   # or alias/aws/sns
//! ```
//!
//! ## References
//! - [Data encryption in Amazon SNS](https://docs.aws.amazon.com/sns/latest/dg/sns-server-side-encryption.html)
//! - [AWS Foundational Security Best Practices: SNS.1](https://docs.aws.amazon.com/securityhub/latest/userguide/sns-controls.html)
//! - [CWE-311](https://cwe.mitre.org/data/definitions/311.html)

use crate::model::{Finding, Severity};
use crate::rules::props;
use crate::rules::{Check, Ctx, Rule};

pub const RULE: Rule = Rule {
    id: "KMS004",
    name: "sns-topic-unencrypted",
    title: "SNS topic is not encrypted with KMS",
    family: "KMS",
    severity: Severity::Low,
    remediation: "Set KmsMasterKeyId to a customer managed KMS key (whose policy lets the publishing services use it), or alias/aws/sns.",
    source: include_str!("sns_topic_unencrypted.rs"),
    check: Check::Template(check),
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let tpl = ctx.tpl;
    for r in tpl.resources.iter().filter(|r| r.ty == "AWS::SNS::Topic") {
        let node = r.prop("KmsMasterKeyId");
        if props::is_set(tpl, node) {
            continue;
        }
        let (line, col) = match node {
            Some(n) => (n.line, n.col),
            None => props::missing_at(r),
        };
        out.push(ctx.finding_at(
            &RULE,
            &r.id,
            line,
            col,
            r.path("Properties.KmsMasterKeyId"),
            format!(
                "Topic {} has no KmsMasterKeyId: its messages are not encrypted with SNS server-side encryption.",
                r.id
            ),
        ));
    }
}
