//! ## What it does
//! Flags DynamoDB tables (`AWS::DynamoDB::Table`, `AWS::Serverless::SimpleTable`,
//! `AWS::DynamoDB::GlobalTable`) that are not encrypted with a customer managed KMS key:
//! `SSESpecification.SSEEnabled` not `true` (the AWS owned key), or `true` without
//! `KMSMasterKeyId` (the AWS managed key `aws/dynamodb`; for a global table, on each
//! replica's `SSESpecification`). Values that cannot be resolved are taken as set.
//!
//! ## Why is this bad?
//! It is not about plaintext: DynamoDB always encrypts tables at rest, by default with
//! an AWS owned key, and that cannot be switched off. What a customer managed key adds
//! is control: its key policy is a second access check on the data (a principal needs
//! both the table and the key), every use is logged in CloudTrail, and disabling the key
//! cuts off all access at once — which also matters for crypto-shredding and for
//! compliance regimes that require customer-controlled keys. The AWS managed key logs
//! its use but its policy cannot be changed.
//!
//! ## Severity
//! INFO: data is encrypted at rest in every case; whether a customer managed key is
//! worth its cost and operational care depends on the data's sensitivity and the
//! compliance regime, which the template does not tell.
//!
//! ## Example
//! ```yaml
//! Orders:
//!   Type: AWS::DynamoDB::Table
//!   Properties:
//!     SSESpecification:
//!       SSEEnabled: true
//! ```
//!
//! Use instead:
//! ```yaml
//! Orders:
//!   Type: AWS::DynamoDB::Table
//!   Properties:
//!     SSESpecification:
//!       SSEEnabled: true
//!       SSEType: KMS
//!       KMSMasterKeyId: !Ref TableKey
//! ```
//!
//! ## References
//! - [DynamoDB encryption at rest](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/EncryptionAtRest.html)
//! - [AWS KMS keys: customer managed, AWS managed and AWS owned](https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#key-mgmt)

use super::{GLOBAL_TABLE, SIMPLE_TABLE, TABLE};
use crate::model::{Finding, Severity};
use crate::rules::props::{self, Flag};
use crate::rules::{Check, Ctx, Rule};
use crate::template::Resource;
use crate::template::node::Node;

pub const RULE: Rule = Rule {
    id: "DDB002",
    name: "dynamodb-no-cmk",
    title: "DynamoDB table not encrypted with a customer managed KMS key",
    family: "DDB",
    severity: Severity::Info,
    remediation: "Set SSESpecification: {SSEEnabled: true, SSEType: KMS, KMSMasterKeyId: <customer managed key>} (for a global table, KMSMasterKeyId on every replica's SSESpecification).",
    source: include_str!("dynamodb_no_cmk.rs"),
    check: Check::Template(check),
};

const OWNED: &str = "is encrypted with the AWS owned key only (SSEEnabled not true)";
const MANAGED: &str = "uses the AWS managed key aws/dynamodb (no KMSMasterKeyId)";

fn push(
    ctx: &Ctx,
    out: &mut Vec<Finding>,
    r: &Resource,
    node: Option<&Node>,
    path: &str,
    what: &str,
) {
    let (line, col) = node.map_or_else(|| props::missing_at(r), |n| (n.line, n.col));
    out.push(ctx.finding_at(
        &RULE,
        &r.id,
        line,
        col,
        r.path(path),
        format!(
            "Table {} {what}: no customer managed key controls access to its data.",
            r.id
        ),
    ));
}

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let tpl = ctx.tpl;
    for r in &tpl.resources {
        let global = match r.ty.as_str() {
            TABLE | SIMPLE_TABLE => false,
            GLOBAL_TABLE => true,
            _ => continue,
        };
        let path = "Properties.SSESpecification";
        let alts = r
            .prop("SSESpecification")
            .map(|s| props::alternatives(tpl, s))
            .unwrap_or_default();
        if alts.is_empty() {
            push(ctx, out, r, None, path, OWNED);
            continue;
        }
        // (enabled somewhere, where it is not)
        let mut problem: Option<(Option<&Node>, &str)> = None;
        let mut enabled = false;
        for alt in alts {
            if props::is_opaque(alt) {
                continue;
            }
            let value = alt.get("SSEEnabled");
            match props::flag(tpl, value) {
                Flag::False | Flag::Absent => {
                    problem.get_or_insert((Some(value.unwrap_or(alt)), OWNED));
                }
                Flag::Unknown => {}
                Flag::True => {
                    enabled = true;
                    if !global && !props::is_set(tpl, alt.get("KMSMasterKeyId")) {
                        problem.get_or_insert((value, MANAGED));
                    }
                }
            }
        }
        if let Some((node, what)) = problem {
            push(ctx, out, r, node, path, what);
            continue;
        }
        if !(global && enabled) {
            continue;
        }
        let Some(replicas) = r.prop("Replicas") else {
            continue;
        };
        for (i, rep) in tpl.list_items(replicas).into_iter().enumerate() {
            if props::is_opaque(rep) {
                continue;
            }
            let key = rep
                .get("SSESpecification")
                .map(|s| props::alternatives(tpl, s))
                .unwrap_or_default();
            let set = key
                .iter()
                .any(|s| props::is_opaque(s) || props::is_set(tpl, s.get("KMSMasterKeyId")));
            if !set {
                push(
                    ctx,
                    out,
                    r,
                    Some(rep),
                    &format!("Properties.Replicas[{i}].SSESpecification"),
                    MANAGED,
                );
            }
        }
    }
}
