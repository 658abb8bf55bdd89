//! ## What it does
//! Flags `AWS::SQS::Queue` resources that use neither SSE-KMS (`KmsMasterKeyId`) nor
//! SSE-SQS (`SqsManagedSseEnabled: true`). An explicit `SqsManagedSseEnabled: false`
//! (in any `!If` branch) without a KMS key is reported at that value; a queue that says
//! nothing is reported at its `Properties`. An empty `KmsMasterKeyId` counts as none;
//! values that cannot be resolved are taken as set.
//!
//! ## Why is this bad?
//! Messages often carry the same personal or business data as the tables they come
//! from, and sit in the queue (and its dead-letter queue) for up to 14 days. Since
//! October 2022 new queues get SSE-SQS by default, so a queue that says nothing is
//! encrypted with an SQS-owned key when created; `SqsManagedSseEnabled: false` is the
//! template explicitly turning encryption at rest off. A customer managed KMS key adds
//! a key policy as a second access check and a CloudTrail record of every decrypt.
//!
//! ## Severity
//! MEDIUM when encryption is explicitly disabled: messages are stored unencrypted by
//! choice. LOW when the queue only relies on the SSE-SQS default: encrypted at rest, but
//! not pinned in code (queues created before the default keep their old setting) and
//! without a key you control.
//!
//! ## Example
//! ```yaml
//! Orders:
//!   Type: AWS::SQS::Queue
//!   Properties:
//!     SqsManagedSseEnabled: false
//! ```
//!
//! Use instead:
//! ```yaml
//! Orders:
//!   Type: AWS::SQS::Queue
//!   Properties:
//!     KmsMasterKeyId: !Ref QueueKey   # or SqsManagedSseEnabled: true
//! ```
//!
//! ## References
//! - [Encryption at rest in Amazon SQS](https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-server-side-encryption.html)
//! - [AWS::SQS::Queue SqsManagedSseEnabled](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-sqs-queue.html#cfn-sqs-queue-sqsmanagedsseenabled)
//! - [CWE-311](https://cwe.mitre.org/data/definitions/311.html)

use crate::model::{Finding, Severity};
use crate::rules::props::{self, Flag};
use crate::rules::{Check, Ctx, Rule};

pub const RULE: Rule = Rule {
    id: "KMS003",
    name: "sqs-queue-unencrypted",
    title: "SQS queue is not encrypted at rest",
    family: "KMS",
    severity: Severity::Medium,
    remediation: "Set KmsMasterKeyId to a customer managed KMS key (with KmsDataKeyReusePeriodSeconds to limit KMS calls), or at least SqsManagedSseEnabled: true.",
    source: include_str!("sqs_queue_unencrypted.rs"),
    check: Check::Template(check),
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let tpl = ctx.tpl;
    for r in tpl.resources.iter().filter(|r| r.ty == "AWS::SQS::Queue") {
        if props::is_set(tpl, r.prop("KmsMasterKeyId")) {
            continue;
        }
        let node = r.prop("SqsManagedSseEnabled");
        match props::flag(tpl, node) {
            Flag::True | Flag::Unknown => {}
            Flag::False => out.push(ctx.finding(
                &RULE,
                r,
                node.unwrap(),
                r.path("Properties.SqsManagedSseEnabled"),
                format!(
                    "Queue {} turns encryption at rest off (SqsManagedSseEnabled false, no KmsMasterKeyId).",
                    r.id
                ),
            )),
            Flag::Absent => {
                let (line, col) = props::missing_at(r);
                let mut f = ctx.finding_at(
                    &RULE,
                    &r.id,
                    line,
                    col,
                    r.path("Properties.KmsMasterKeyId"),
                    format!(
                        "Queue {} sets neither KmsMasterKeyId nor SqsManagedSseEnabled: it relies on the SSE-SQS default, with no key under your control.",
                        r.id
                    ),
                );
                f.severity = Severity::Low;
                out.push(f);
            }
        }
    }
}
