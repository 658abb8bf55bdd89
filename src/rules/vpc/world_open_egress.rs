//! ## What it does
//! Flags explicit security-group egress rules that allow all protocols and ports to
//! `0.0.0.0/0` or `::/0`. The implicit default egress of a group without
//! `SecurityGroupEgress` is not reported.
//!
//! ## Why is this bad?
//! A compromised function can send data anywhere on the internet and download tooling;
//! an explicit allow-all rule also signals that nobody designed the egress path.
//!
//! ## Severity
//! LOW: it widens exfiltration paths but grants no inbound access.
//!
//! ## Example
//! ```yaml
//! SecurityGroupEgress:
//!   - IpProtocol: "-1"
//!     CidrIp: 0.0.0.0/0
//! ```
//!
//! Use instead:
//! ```yaml
//! SecurityGroupEgress:
//!   - IpProtocol: tcp
//!     FromPort: 443
//!     ToPort: 443
//!     CidrIp: 0.0.0.0/0
//! ```
//!
//! ## References
//! - [Security group rules](https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html)
//! - [MITRE ATT&CK T1048: Exfiltration over alternative protocol](https://attack.mitre.org/techniques/T1048/)

use super::world_rules;
use crate::model::{Finding, Severity};
use crate::rules::{Check, Ctx, Rule};

pub const RULE: Rule = Rule {
    id: "VPC003",
    name: "world-open-egress",
    title: "Security group allows all egress to the whole internet",
    family: "VPC",
    severity: Severity::Low,
    remediation: "Restrict egress to the ports and destinations the function needs (for example tcp/443, or VPC endpoint prefix lists).",
    source: include_str!("world_open_egress.rs"),
    check: Check::Template(check),
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    for rule in world_rules(ctx.tpl, true)
        .into_iter()
        .filter(|r| r.ports.is_none())
    {
        out.push(ctx.finding(
            &RULE,
            rule.resource,
            rule.node,
            rule.path,
            format!("{} allows all egress to {}.", rule.resource.id, rule.cidr),
        ));
    }
}
