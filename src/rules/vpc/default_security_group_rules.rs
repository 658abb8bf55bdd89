//! ## What it does
//! Flags `AWS::EC2::SecurityGroupIngress` and `AWS::EC2::SecurityGroupEgress` resources
//! that add rules to a VPC's default security group (`GroupId: !GetAtt
//! Vpc.DefaultSecurityGroup`, also inside `!If`).
//!
//! ## Why is this bad?
//! Every ENI launched without an explicit security group lands in the default group,
//! so a rule added there silently applies to resources nobody designed it for. CIS
//! asks for the default group to allow no traffic at all, which forces every
//! workload to use a purpose-built group.
//!
//! ## Severity
//! MEDIUM: it opens traffic for an unknown, changing set of resources; the exposure
//! depends on the rule, which VPC002/VPC003 judge separately.
//!
//! ## Example
//! ```yaml
//! AllowHttps:
//!   Type: AWS::EC2::SecurityGroupIngress
//!   Properties:
//!     GroupId: !GetAtt Vpc.DefaultSecurityGroup
//!     IpProtocol: tcp
//!     FromPort: 443
//!     ToPort: 443
//!     CidrIp: 10.0.0.0/16
//! ```
//!
//! Use instead:
//! ```yaml
//! AllowHttps:
//!   Type: AWS::EC2::SecurityGroupIngress
//!   Properties:
//!     GroupId: !Ref ServiceSecurityGroup
//!     IpProtocol: tcp
//!     FromPort: 443
//!     ToPort: 443
//!     CidrIp: 10.0.0.0/16
//! ```
//!
//! ## References
//! - [CIS AWS Foundations 5.4: the default security group restricts all traffic](https://www.cisecurity.org/benchmark/amazon_web_services)
//! - [Default security groups for your VPCs](https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html)

use crate::model::{Finding, Severity};
use crate::rules::{Check, Ctx, Rule};
use crate::template::node::{Kind, Node};

pub const RULE: Rule = Rule {
    id: "VPC005",
    name: "default-security-group-rules",
    title: "Rule added to the VPC default security group",
    family: "VPC",
    severity: Severity::Medium,
    remediation: "Create a dedicated security group for the workload and leave the default security group without rules.",
    source: include_str!("default_security_group_rules.rs"),
    check: Check::Template(check),
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let tpl = ctx.tpl;
    for r in &tpl.resources {
        let dir = match r.ty.as_str() {
            "AWS::EC2::SecurityGroupIngress" => "ingress",
            "AWS::EC2::SecurityGroupEgress" => "egress",
            _ => continue,
        };
        let Some(group) = r.prop("GroupId") else {
            continue;
        };
        let Some(vpc) = tpl.list_items(group).into_iter().find_map(default_sg_of) else {
            continue;
        };
        out.push(ctx.finding(
            &RULE,
            r,
            group,
            r.path("Properties.GroupId"),
            format!(
                "{} adds an {dir} rule to the default security group of {vpc}.",
                r.id
            ),
        ));
    }
}

/// `!GetAtt X.DefaultSecurityGroup` -> `X`.
fn default_sg_of(n: &Node) -> Option<String> {
    let ("Fn::GetAtt", arg) = n.intrinsic()? else {
        return None;
    };
    let (res, attr) = match &arg.kind {
        Kind::Seq(items) if items.len() == 2 => (items[0].as_str()?, items[1].as_str()?),
        Kind::Str(s) => s.split_once('.')?,
        _ => return None,
    };
    (attr == "DefaultSecurityGroup").then(|| res.to_string())
}
