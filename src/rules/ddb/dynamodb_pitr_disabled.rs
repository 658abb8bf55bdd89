//! ## What it does
//! Flags DynamoDB tables without point-in-time recovery:
//! - `AWS::DynamoDB::Table` whose `PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled`
//!   is missing (the default is off) or `false` in any `!If` branch;
//! - each replica of an `AWS::DynamoDB::GlobalTable` without it (PITR is set per
//!   replica, in `Replicas[].PointInTimeRecoverySpecification`);
//! - every `AWS::Serverless::SimpleTable`: SAM's simple table has no PITR option at all,
//!   so a table that needs backups has to be an `AWS::DynamoDB::Table`.
//!
//! Values that cannot be resolved are not reported.
//!
//! ## Why is this bad?
//! Without PITR a bad deploy, a buggy batch job or a compromised credential that
//! overwrites or deletes items cannot be undone: on-demand backups only restore to when
//! they were taken, if anyone took one. With PITR the table can be restored to any
//! second of the last 35 days. It is also a ransomware and insider-threat control.
//!
//! ## Severity
//! LOW: nothing is exposed; it is a recoverability (availability and integrity)
//! safeguard, and AWS Backup plans configured outside the template may cover the table.
//!
//! ## Example
//! ```yaml
//! Orders:
//!   Type: AWS::DynamoDB::Table
//!   Properties:
//!     BillingMode: PAY_PER_REQUEST
//! ```
//!
//! Use instead:
//! ```yaml
//! Orders:
//!   Type: AWS::DynamoDB::Table
//!   Properties:
//!     BillingMode: PAY_PER_REQUEST
//!     PointInTimeRecoverySpecification:
//!       PointInTimeRecoveryEnabled: true
//! ```
//!
//! ## References
//! - [Point-in-time recovery for DynamoDB](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Point-in-time-recovery.html)
//! - [AWS::Serverless::SimpleTable](https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-simpletable.html)
//! - [AWS Foundational Security Best Practices: DynamoDB.2](https://docs.aws.amazon.com/securityhub/latest/userguide/dynamodb-controls.html)

use super::{GLOBAL_TABLE, SIMPLE_TABLE, TABLE};
use crate::model::{Finding, Severity};
use crate::rules::props::{self, Flag};
use crate::rules::{Check, Ctx, Rule};
use crate::template::node::Node;
use crate::template::{Resource, Template};

pub const RULE: Rule = Rule {
    id: "DDB001",
    name: "dynamodb-pitr-disabled",
    title: "DynamoDB table without point-in-time recovery",
    family: "DDB",
    severity: Severity::Low,
    remediation: "Set PointInTimeRecoverySpecification: {PointInTimeRecoveryEnabled: true} (on every replica of a global table); replace a SAM SimpleTable with AWS::DynamoDB::Table to get the option.",
    source: include_str!("dynamodb_pitr_disabled.rs"),
    check: Check::Template(check),
};

/// The first place where a PITR specification fails: `Some((node, what))`, `None` when
/// enabled or unknown. `spec` is `None` when the property is missing.
fn pitr_problem<'a>(
    tpl: &Template,
    spec: Option<&'a Node>,
) -> Option<(Option<&'a Node>, &'static str)> {
    let alts = spec
        .map(|s| props::alternatives(tpl, s))
        .unwrap_or_default();
    if alts.is_empty() {
        return Some((None, "no PointInTimeRecoverySpecification"));
    }
    for alt in alts {
        if props::is_opaque(alt) {
            continue;
        }
        let value = alt.get("PointInTimeRecoveryEnabled");
        match props::flag(tpl, value) {
            Flag::False => return Some((value, "PointInTimeRecoveryEnabled false")),
            Flag::Absent => return Some((Some(alt), "no PointInTimeRecoveryEnabled")),
            Flag::True | Flag::Unknown => {}
        }
    }
    None
}

fn push(
    ctx: &Ctx,
    out: &mut Vec<Finding>,
    r: &Resource,
    node: Option<&Node>,
    path: String,
    msg: String,
) {
    let (line, col) = node.map_or_else(|| props::missing_at(r), |n| (n.line, n.col));
    out.push(ctx.finding_at(&RULE, &r.id, line, col, path, msg));
}

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let tpl = ctx.tpl;
    for r in &tpl.resources {
        match r.ty.as_str() {
            TABLE => {
                if let Some((node, what)) =
                    pitr_problem(tpl, r.prop("PointInTimeRecoverySpecification"))
                {
                    push(
                        ctx,
                        out,
                        r,
                        node,
                        r.path("Properties.PointInTimeRecoverySpecification"),
                        format!(
                            "Table {} has {what}: deleted or overwritten items cannot be restored.",
                            r.id
                        ),
                    );
                }
            }
            GLOBAL_TABLE => {
                let Some(replicas) = r.prop("Replicas") else {
                    continue;
                };
                for (i, rep) in tpl.list_items(replicas).into_iter().enumerate() {
                    if props::is_opaque(rep) {
                        continue;
                    }
                    if let Some((node, what)) =
                        pitr_problem(tpl, rep.get("PointInTimeRecoverySpecification"))
                    {
                        let region = rep
                            .get("Region")
                            .and_then(|n| tpl.strings(n).into_iter().flatten().next())
                            .unwrap_or_else(|| format!("#{i}"));
                        push(
                            ctx,
                            out,
                            r,
                            Some(node.unwrap_or(rep)),
                            r.path(&format!(
                                "Properties.Replicas[{i}].PointInTimeRecoverySpecification"
                            )),
                            format!(
                                "Global table {} replica {region} has {what}: deleted or overwritten items cannot be restored.",
                                r.id
                            ),
                        );
                    }
                }
            }
            SIMPLE_TABLE => {
                let at = r.node.get("Type");
                push(
                    ctx,
                    out,
                    r,
                    at,
                    r.path("Type"),
                    format!(
                        "SAM SimpleTable {} cannot enable point-in-time recovery; use AWS::DynamoDB::Table for data that must be restorable.",
                        r.id
                    ),
                );
            }
            _ => {}
        }
    }
}
