//! ## What it does
//! Flags change-set entries that add or modify security groups, security-group
//! ingress/egress rules, routes, route tables, internet/NAT gateways, network ACLs and
//! their entries. With `--template`, a change that opens a security group to
//! `0.0.0.0/0`/`::/0` (VPC002) is HIGH; otherwise the change is MEDIUM, for review.
//!
//! ## Why is this bad?
//! Network changes decide what the internet can reach. A route to an internet gateway or
//! a world-open rule turns a private database into a public one in one deployment.
//!
//! ## Severity
//! HIGH when the new template shows the resource open to the world; MEDIUM when it only
//! changes (the change set does not say whether it opens or closes access).
//!
//! ## Example
//! ```json
//! {"ResourceChange": {"Action": "Add", "LogicalResourceId": "DbIngress",
//!   "ResourceType": "AWS::EC2::SecurityGroupIngress"}}
//! ```
//!
//! Use instead:
//! Ingress from a security group (`SourceSecurityGroupId`) rather than a CIDR, and
//! review route changes before they execute.
//!
//! ## References
//! - [Security group rules](https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html)
//! - [Route tables](https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html)

use crate::changeset::ChangeSet;
use crate::model::{Finding, Severity};
use crate::rules::{Check, Rule};

pub const RULE: Rule = Rule {
    id: "CHG002",
    name: "network-change",
    title: "Change set opens or modifies network access",
    family: "CHG",
    severity: Severity::Medium,
    remediation: "Check the new rules and routes: no ingress from 0.0.0.0/0 on admin ports, no new internet routes for private subnets.",
    source: include_str!("network_change.rs"),
    check: Check::ChangeSet(check),
};

const NETWORK_TYPES: &[&str] = &[
    "AWS::EC2::SecurityGroup",
    "AWS::EC2::SecurityGroupIngress",
    "AWS::EC2::SecurityGroupEgress",
    "AWS::EC2::Route",
    "AWS::EC2::RouteTable",
    "AWS::EC2::SubnetRouteTableAssociation",
    "AWS::EC2::InternetGateway",
    "AWS::EC2::VPCGatewayAttachment",
    "AWS::EC2::NatGateway",
    "AWS::EC2::NetworkAcl",
    "AWS::EC2::NetworkAclEntry",
    "AWS::EC2::Subnet",
];

fn check(cs: &ChangeSet, out: &mut Vec<Finding>) {
    for c in cs.changes.iter().filter(|c| c.adds_or_modifies()) {
        if !NETWORK_TYPES.contains(&c.resource_type.as_str()) {
            continue;
        }
        let open = cs.template_findings(&c.logical_id, &["VPC002"]);
        let mut f = if let Some(o) = open.iter().max_by_key(|f| f.severity) {
            let mut f = cs.finding(
                &RULE,
                c,
                format!(
                    "{} {} {}: {}",
                    c.action, c.resource_type, c.logical_id, o.description
                ),
            );
            f.severity = o.severity.max(Severity::High);
            f
        } else {
            cs.finding(
                &RULE,
                c,
                format!(
                    "{} {} {}: network change needs review.",
                    c.action, c.resource_type, c.logical_id
                ),
            )
        };
        if f.severity < RULE.severity {
            f.severity = RULE.severity;
        }
        out.push(f);
    }
}
