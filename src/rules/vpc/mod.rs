pub mod default_security_group_rules;
pub mod function_in_public_subnet;
pub mod nacl_admin_port_open;
pub mod subnet_maps_public_ip;
pub mod world_open_egress;
pub mod world_open_ingress;

use crate::template::node::Node;
use crate::template::{Resource, Template};

/// Any CIDR with a /0 prefix is the whole address space (`0.0.0.0/0`, `::/0`, `0000::/0`).
pub fn is_world_cidr(v: &str) -> bool {
    v.trim().ends_with("/0")
}

/// One security-group rule, inline or standalone.
pub struct SgRule<'a> {
    pub resource: &'a Resource,
    pub node: &'a Node,
    pub path: String,
    pub cidr: String,
    /// `None` means all ports.
    pub ports: Option<(i64, i64)>,
    pub protocol: String,
}

/// Ingress (`egress == false`) or egress rules open to `0.0.0.0/0` or `::/0`.
pub fn world_rules<'a>(tpl: &'a Template, egress: bool) -> Vec<SgRule<'a>> {
    let (inline_key, standalone) = if egress {
        ("SecurityGroupEgress", "AWS::EC2::SecurityGroupEgress")
    } else {
        ("SecurityGroupIngress", "AWS::EC2::SecurityGroupIngress")
    };
    let mut out = Vec::new();
    for r in &tpl.resources {
        if r.ty == "AWS::EC2::SecurityGroup" {
            if let Some(list) = r.prop(inline_key) {
                for (i, rule) in tpl.list_items(list).into_iter().enumerate() {
                    push(
                        tpl,
                        r,
                        rule,
                        r.path(&format!("Properties.{inline_key}[{i}]")),
                        &mut out,
                    );
                }
            }
        } else if r.ty == standalone
            && let Some(props) = r.props()
        {
            // Report against the group the rule opens, when it is in this template.
            let group = props
                .get("GroupId")
                .and_then(|g| tpl.referenced_resource(g))
                .filter(|g| g.ty == "AWS::EC2::SecurityGroup")
                .unwrap_or(r);
            push(tpl, group, props, r.path("Properties"), &mut out);
        }
    }
    out
}

fn push<'a>(
    tpl: &Template,
    r: &'a Resource,
    rule: &'a Node,
    path: String,
    out: &mut Vec<SgRule<'a>>,
) {
    let cidr = ["CidrIp", "CidrIpv6"].iter().find_map(|k| {
        let n = rule.get(k)?;
        tpl.strings(n)
            .into_iter()
            .flatten()
            .find(|v| is_world_cidr(v))
            .map(|v| (v, n))
    });
    let Some((cidr, node)) = cidr else { return };
    let protocol = rule
        .get("IpProtocol")
        .and_then(|p| tpl.strings(p).into_iter().flatten().next())
        .unwrap_or_else(|| "-1".into());
    let num = |k: &str| {
        rule.get(k)
            .and_then(|n| tpl.strings(n).into_iter().flatten().next())
            .and_then(|s| s.parse::<i64>().ok())
    };
    let ports = if protocol == "-1" || protocol == "all" {
        None
    } else {
        match (num("FromPort"), num("ToPort")) {
            (Some(a), Some(b)) if a <= 0 && (b >= 65535 || b == -1) => None,
            (Some(-1), _) | (_, Some(-1)) if protocol != "icmp" => None,
            (Some(a), Some(b)) => Some((a, b)),
            (Some(a), None) => Some((a, a)),
            _ => None,
        }
    };
    out.push(SgRule {
        resource: r,
        node,
        path,
        cidr,
        ports,
        protocol,
    });
}
