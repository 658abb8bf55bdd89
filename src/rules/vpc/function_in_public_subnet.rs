//! ## What it does
//! Flags Lambda functions whose `VpcConfig.SubnetIds` (including SAM `Globals`) name a
//! subnet of the same template that is public: a `SubnetRouteTableAssociation` ties it
//! to a route table with a `0.0.0.0/0` (or `::/0`) route to an internet gateway.
//! `Ref`/`GetAtt` are followed through Subnet, SubnetRouteTableAssociation and Route.
//!
//! ## Why is this bad?
//! Lambda network interfaces never get public IPs, so a function in a public subnet has
//! no working internet egress and teams "fix" it by opening security groups or moving
//! data stores public; it also shares a subnet with internet-facing resources, widening
//! what a compromised function can reach.
//!
//! ## Severity
//! MEDIUM: a network-design flaw that enlarges exposure, not a direct compromise.
//!
//! ## Example
//! ```yaml
//! VpcConfig:
//!   SubnetIds: [!Ref PublicSubnetA]   # route 0.0.0.0/0 -> InternetGateway
//! ```
//!
//! Use instead:
//! ```yaml
//! VpcConfig:
//!   SubnetIds: [!Ref PrivateSubnetA]  # route 0.0.0.0/0 -> NatGateway
//! ```
//!
//! ## References
//! - [Giving Lambda functions access to resources in a VPC](https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html)
//! - [Internet access for VPC-connected functions](https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc-internet.html)

use crate::model::{Finding, Severity};
use crate::rules::{Check, Ctx, Rule};
use crate::template::{Resource, Template};

pub const RULE: Rule = Rule {
    id: "VPC001",
    name: "function-in-public-subnet",
    title: "Lambda function attached to a public subnet",
    family: "VPC",
    severity: Severity::Medium,
    remediation: "Attach the function to private subnets that reach the internet through a NAT gateway or VPC endpoints.",
    source: include_str!("function_in_public_subnet.rs"),
    check: Check::Template(check),
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let tpl = ctx.tpl;
    let of_type = |ty: &str| {
        tpl.resources
            .iter()
            .filter(|r| r.ty == ty)
            .collect::<Vec<_>>()
    };
    let network = Network {
        associations: of_type("AWS::EC2::SubnetRouteTableAssociation"),
        routes: of_type("AWS::EC2::Route"),
    };
    if network.routes.is_empty() {
        return;
    }
    for f in tpl.resources.iter().filter(|r| r.is_function()) {
        let Some(subnets) = f
            .props()
            .and_then(|p| p.get_path(&["VpcConfig", "SubnetIds"]))
        else {
            continue;
        };
        for (i, s) in tpl.list_items(subnets).into_iter().enumerate() {
            let Some(subnet) = tpl
                .referenced_resource(s)
                .filter(|r| r.ty == "AWS::EC2::Subnet")
            else {
                continue;
            };
            if let Some(igw) = internet_route(tpl, &network, subnet) {
                out.push(ctx.finding(
                    &RULE,
                    f,
                    s,
                    f.path(&format!("Properties.VpcConfig.SubnetIds[{i}]")),
                    format!(
                        "{} runs in subnet {}, whose route table sends 0.0.0.0/0 to internet gateway {igw}.",
                        f.id, subnet.id
                    ),
                ));
            }
        }
    }
}

struct Network<'a> {
    associations: Vec<&'a Resource>,
    routes: Vec<&'a Resource>,
}

/// The internet gateway a subnet's default route goes to, if any.
fn internet_route(tpl: &Template, net: &Network, subnet: &Resource) -> Option<String> {
    let refs = |node: Option<&crate::template::node::Node>, target: &str| {
        node.and_then(|n| tpl.referenced_resource(n))
            .is_some_and(|r| r.id == target)
    };
    for assoc in &net.associations {
        if !refs(assoc.prop("SubnetId"), &subnet.id) {
            continue;
        }
        let Some(rt) = assoc
            .prop("RouteTableId")
            .and_then(|n| tpl.referenced_resource(n))
        else {
            continue;
        };
        for route in &net.routes {
            if !refs(route.prop("RouteTableId"), &rt.id) {
                continue;
            }
            let default = route
                .prop("DestinationCidrBlock")
                .map(|d| {
                    tpl.strings(d)
                        .iter()
                        .any(|v| v.as_deref() == Some("0.0.0.0/0"))
                })
                .unwrap_or(false)
                || route
                    .prop("DestinationIpv6CidrBlock")
                    .map(|d| tpl.strings(d).iter().any(|v| v.as_deref() == Some("::/0")))
                    .unwrap_or(false);
            if !default {
                continue;
            }
            let Some(gw) = route.prop("GatewayId") else {
                continue;
            };
            if let Some(g) = tpl.referenced_resource(gw) {
                if g.ty == "AWS::EC2::InternetGateway" {
                    return Some(g.id.clone());
                }
            } else if let Some(v) = gw.as_str().filter(|v| v.starts_with("igw-")) {
                return Some(v.to_string());
            }
        }
    }
    None
}
