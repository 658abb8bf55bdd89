//! ## What it does
//! Flags `AWS::EC2::Subnet` resources with `MapPublicIpOnLaunch: true` (also through a
//! parameter default or either branch of `!If`), which gives every network interface
//! launched in the subnet a public IPv4 address.
//!
//! ## Why is this bad?
//! Anything started in the subnet (instances, and ECS tasks or other ENIs whose
//! owners did not ask for it) becomes addressable from the internet as soon as a
//! security group or NACL rule allows it. Public addresses should be a deliberate
//! per-resource choice (or an Elastic IP / load balancer), not a subnet default; AWS
//! also bills every public IPv4 address.
//!
//! ## Severity
//! LOW: the address alone grants no access; security groups still decide what is
//! reachable. It widens the blast radius of a later security-group mistake.
//!
//! ## Example
//! ```yaml
//! PublicSubnet:
//!   Type: AWS::EC2::Subnet
//!   Properties:
//!     VpcId: !Ref Vpc
//!     CidrBlock: 10.0.0.0/24
//!     MapPublicIpOnLaunch: true
//! ```
//!
//! Use instead:
//! ```yaml
//! PublicSubnet:
//!   Type: AWS::EC2::Subnet
//!   Properties:
//!     VpcId: !Ref Vpc
//!     CidrBlock: 10.0.0.0/24
//!     MapPublicIpOnLaunch: false
//! ```
//!
//! ## References
//! - [IP addressing for your VPCs and subnets](https://docs.aws.amazon.com/vpc/latest/userguide/vpc-ip-addressing.html)
//! - [AWS Security Hub control EC2.15: subnets should not auto-assign public IPs](https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-15)

use crate::model::{Finding, Severity};
use crate::rules::{Check, Ctx, Rule};

pub const RULE: Rule = Rule {
    id: "VPC004",
    name: "subnet-maps-public-ip",
    title: "Subnet assigns public IPs on launch",
    family: "VPC",
    severity: Severity::Low,
    remediation: "Set MapPublicIpOnLaunch: false and give public addresses only to the resources that need them (load balancers, NAT gateways, Elastic IPs).",
    source: include_str!("subnet_maps_public_ip.rs"),
    check: Check::Template(check),
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let tpl = ctx.tpl;
    for r in tpl.resources.iter().filter(|r| r.ty == "AWS::EC2::Subnet") {
        let Some(node) = r.prop("MapPublicIpOnLaunch") else {
            continue;
        };
        if tpl
            .strings(node)
            .iter()
            .any(|v| v.as_deref().is_some_and(|v| v.eq_ignore_ascii_case("true")))
        {
            out.push(ctx.finding(
                &RULE,
                r,
                node,
                r.path("Properties.MapPublicIpOnLaunch"),
                format!(
                    "Subnet {} gives every interface launched in it a public IP address.",
                    r.id
                ),
            ));
        }
    }
}
