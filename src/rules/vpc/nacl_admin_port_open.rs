//! ## What it does
//! Flags `AWS::EC2::NetworkAclEntry` resources that allow ingress (`Egress` false or
//! absent, `RuleAction: allow`) from the whole internet (`0.0.0.0/0`, `::/0`) to SSH (22) or RDP (3389):
//! a TCP (6) or UDP (17) `PortRange` that covers either port, or `Protocol: -1` (all
//! traffic). Values that cannot be resolved are not reported.
//!
//! ## Why is this bad?
//! Network ACLs are the subnet-wide backstop behind security groups. Allowing remote
//! administration ports from the whole internet at the subnet edge means one
//! permissive security group is all it takes for SSH or RDP to be brute-forced.
//!
//! ## Severity
//! MEDIUM: security groups still have to allow the traffic too, so this removes a
//! layer of defence rather than exposing a host by itself (CIS 5.1).
//!
//! ## Example
//! ```yaml
//! SshIn:
//!   Type: AWS::EC2::NetworkAclEntry
//!   Properties:
//!     NetworkAclId: !Ref PublicAcl
//!     RuleNumber: 100
//!     Protocol: 6
//!     RuleAction: allow
//!     CidrBlock: 0.0.0.0/0
//!     PortRange: {From: 22, To: 22}
//! ```
//!
//! Use instead:
//! ```yaml
//! HttpsIn:
//!   Type: AWS::EC2::NetworkAclEntry
//!   Properties:
//!     NetworkAclId: !Ref PublicAcl
//!     RuleNumber: 100
//!     Protocol: 6
//!     RuleAction: allow
//!     CidrBlock: 0.0.0.0/0
//!     PortRange: {From: 443, To: 443}
//! ```
//!
//! ## References
//! - [CIS AWS Foundations 5.1: no NACL ingress from 0.0.0.0/0 to remote administration ports](https://www.cisecurity.org/benchmark/amazon_web_services)
//! - [Control subnet traffic with network ACLs](https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html)

use crate::model::{Finding, Severity};
use crate::rules::{Check, Ctx, Rule};
use crate::template::Template;
use crate::template::node::Node;

pub const RULE: Rule = Rule {
    id: "VPC006",
    name: "nacl-admin-port-open",
    title: "Network ACL allows SSH/RDP from the whole internet",
    family: "VPC",
    severity: Severity::Medium,
    remediation: "Deny 22 and 3389 from 0.0.0.0/0 and ::/0 in the NACL; administer hosts through SSM Session Manager or from known CIDRs.",
    source: include_str!("nacl_admin_port_open.rs"),
    check: Check::Template(check),
};

const ADMIN_PORTS: &[i64] = &[22, 3389];

fn values(tpl: &Template, n: Option<&Node>) -> Vec<String> {
    n.map(|n| tpl.strings(n).into_iter().flatten().collect())
        .unwrap_or_default()
}

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let tpl = ctx.tpl;
    for r in tpl
        .resources
        .iter()
        .filter(|r| r.ty == "AWS::EC2::NetworkAclEntry")
    {
        if !values(tpl, r.prop("RuleAction"))
            .iter()
            .any(|v| v.eq_ignore_ascii_case("allow"))
        {
            continue;
        }
        if let Some(e) = r.prop("Egress") {
            let v = tpl.strings(e);
            // Only a definite ingress entry (absent, or some branch false).
            if !v.iter().any(|x| {
                x.as_deref()
                    .is_some_and(|x| x.eq_ignore_ascii_case("false"))
            }) {
                continue;
            }
        }
        let Some((cidr, cidr_node, key)) = ["CidrBlock", "Ipv6CidrBlock"].iter().find_map(|k| {
            let n = r.prop(k)?;
            tpl.strings(n)
                .into_iter()
                .flatten()
                .find(|v| super::is_world_cidr(v))
                .map(|v| (v, n, *k))
        }) else {
            continue;
        };
        let protocols = values(tpl, r.prop("Protocol"));
        let all = protocols
            .iter()
            .any(|p| p == "-1" || p.eq_ignore_ascii_case("all"));
        let port = |k: &str| {
            r.props()
                .and_then(|p| p.get_path(&["PortRange", k]))
                .and_then(|n| tpl.strings(n).into_iter().flatten().next())
                .and_then(|s| s.parse::<i64>().ok())
        };
        let hit = if all {
            Some("all traffic".to_string())
        } else if protocols
            .iter()
            .any(|p| ["6", "17", "tcp", "udp"].contains(&p.to_ascii_lowercase().as_str()))
        {
            match (port("From"), port("To")) {
                (Some(a), Some(b)) => {
                    let open: Vec<String> = ADMIN_PORTS
                        .iter()
                        .filter(|p| (a..=b).contains(p))
                        .map(|p| p.to_string())
                        .collect();
                    (!open.is_empty()).then(|| format!("port {}", open.join(" and ")))
                }
                _ => None,
            }
        } else {
            None
        };
        let Some(what) = hit else { continue };
        out.push(ctx.finding(
            &RULE,
            r,
            cidr_node,
            r.path(&format!("Properties.{key}")),
            format!("Network ACL entry {} allows {what} from {cidr}, including remote administration (SSH/RDP).", r.id),
        ));
    }
}
