//! ## What it does
//! Reports security group ingress opened to the whole internet (`eventSource` =
//! `ec2.amazonaws.com`). A rule is world-open when its CIDR has prefix length 0
//! (`0.0.0.0/0`, `::/0`, or any `x.x.x.x/0`). Rules are read from:
//! - `AuthorizeSecurityGroupIngress`:
//!   `requestParameters.ipPermissions.items[]` with `ipProtocol`, `fromPort`, `toPort`,
//!   `ipRanges.items[].cidrIp` and `ipv6Ranges.items[].cidrIpv6`; and the legacy flat form
//!   `requestParameters.{cidrIp, ipProtocol, fromPort, toPort}`;
//! - `ModifySecurityGroupRules`:
//!   `requestParameters.ModifySecurityGroupRulesRequest.SecurityGroupRule` (object or
//!   array) entries' inner `SecurityGroupRule.{CidrIpv4, CidrIpv6, IpProtocol, FromPort,
//!   ToPort}`. The request does not say whether the modified rule is ingress or egress, so
//!   a world-open egress rule modified this way is reported too.
//!
//! Egress (`AuthorizeSecurityGroupEgress`), prefix lists and group references are not
//! reported. Failed calls (`errorCode` set) are reported at LOW. One finding per event
//! (the most severe rule).
//!
//! ## Why is this bad?
//! Administration and database ports reachable from anywhere are scanned within minutes of
//! opening; opening one is a common step to exfiltrate data or keep access.
//!
//! ## Severity
//! HIGH when the rule covers all protocols (`ipProtocol` `-1`/`all`) or a TCP/UDP port range
//! including 22, 3389, 3306, 5432, 1433, 6379, 27017 or 9200 (a missing port counts as all
//! ports); MEDIUM for other ports and ICMP; LOW for failed attempts.
//!
//! ## Example
//! ```json
//! {"eventSource": "ec2.amazonaws.com", "eventName": "AuthorizeSecurityGroupIngress",
//!  "requestParameters": {"groupId": "sg-0a1b2c3d", "ipPermissions": {"items": [{
//!   "ipProtocol": "tcp", "fromPort": 22, "toPort": 22,
//!   "ipRanges": {"items": [{"cidrIp": "0.0.0.0/0"}]}}]}}}
//! ```
//!
//! Use instead:
//! ```json
//! {"eventSource": "ec2.amazonaws.com", "eventName": "AuthorizeSecurityGroupIngress",
//!  "requestParameters": {"groupId": "sg-0a1b2c3d", "ipPermissions": {"items": [{
//!   "ipProtocol": "tcp", "fromPort": 22, "toPort": 22,
//!   "ipRanges": {"items": [{"cidrIp": "10.20.0.0/16"}]}}]}}}
//! ```
//!
//! ## References
//! - [EC2 API: AuthorizeSecurityGroupIngress](https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AuthorizeSecurityGroupIngress.html)
//! - [CIS AWS Foundations 5.2/5.3: no ingress from 0.0.0.0/0 or ::/0 to admin ports](https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html)
//! - [Stratus Red Team: Open Ingress Port 22 on a Security Group](https://stratus-red-team.cloud/attack-techniques/AWS/aws.exfiltration.ec2-security-group-open-port-22-ingress/)
//! - [MITRE ATT&CK T1562.007 Disable or Modify Cloud Firewall](https://attack.mitre.org/techniques/T1562/007/)

use crate::hunt::detect::{Detector, Event, HuntContext, Interest};
use crate::model::{Finding, Severity};
use crate::rules::{Check, Rule};
use serde_json::Value;

pub static RULE: Rule = Rule {
    id: "ATH011",
    name: "security-group-world-open",
    title: "Security group ingress opened to the internet",
    family: "ATH",
    severity: Severity::High,
    remediation: "Revoke the 0.0.0.0/0 or ::/0 rule, allow only known networks (or use SSM Session Manager instead of SSH/RDP), and review connections to the group since the change.",
    source: include_str!("security_group_world_open.rs"),
    check: Check::Hunt,
};

const NAMES: &[&str] = &["AuthorizeSecurityGroupIngress", "ModifySecurityGroupRules"];
const ADMIN_PORTS: &[i64] = &[22, 3389, 3306, 5432, 1433, 6379, 27017, 9200];

struct WorldOpen;

pub fn detector() -> Box<dyn Detector> {
    Box::new(WorldOpen)
}

/// A rule as requested: protocol, port range, CIDRs.
struct SgRule<'a> {
    proto: Option<String>,
    from: Option<i64>,
    to: Option<i64>,
    cidrs: Vec<&'a str>,
}

fn world(cidr: &str) -> bool {
    cidr.trim().rsplit_once('/').is_some_and(|(_, p)| p == "0")
}

/// Protocols may be logged as names or numbers, strings or integers.
fn proto(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.to_ascii_lowercase()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn port(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// `{"items": [..]}` or a bare array, as EC2 logs lists.
fn items(v: Option<&Value>) -> Vec<&Value> {
    let v = match v {
        Some(Value::Object(o)) => o.get("items"),
        other => other,
    };
    match v {
        Some(Value::Array(a)) => a.iter().collect(),
        _ => Vec::new(),
    }
}

fn rules<'a>(e: &Event<'a>) -> Vec<SgRule<'a>> {
    let mut out = Vec::new();
    let Some(rp) = e.request_parameters() else {
        return out;
    };
    if let Some(req) = rp.get("ModifySecurityGroupRulesRequest") {
        let entries = match req.get("SecurityGroupRule") {
            Some(Value::Array(a)) => a.iter().collect(),
            Some(o @ Value::Object(_)) => vec![o],
            _ => Vec::new(),
        };
        for r in entries
            .into_iter()
            .filter_map(|o| o.get("SecurityGroupRule"))
        {
            out.push(SgRule {
                proto: proto(r.get("IpProtocol")),
                from: port(r.get("FromPort")),
                to: port(r.get("ToPort")),
                cidrs: ["CidrIpv4", "CidrIpv6"]
                    .iter()
                    .filter_map(|k| r.get(*k).and_then(Value::as_str))
                    .collect(),
            });
        }
        return out;
    }
    for p in items(rp.get("ipPermissions")) {
        let mut cidrs: Vec<&str> = items(p.get("ipRanges"))
            .into_iter()
            .filter_map(|r| r.get("cidrIp").and_then(Value::as_str))
            .collect();
        cidrs.extend(
            items(p.get("ipv6Ranges"))
                .into_iter()
                .filter_map(|r| r.get("cidrIpv6").and_then(Value::as_str)),
        );
        out.push(SgRule {
            proto: proto(p.get("ipProtocol")),
            from: port(p.get("fromPort")),
            to: port(p.get("toPort")),
            cidrs,
        });
    }
    if let Some(c) = rp.get("cidrIp").and_then(Value::as_str) {
        out.push(SgRule {
            proto: proto(rp.get("ipProtocol")),
            from: port(rp.get("fromPort")),
            to: port(rp.get("toPort")),
            cidrs: vec![c],
        });
    }
    out
}

/// Severity and a description of one world-open rule.
fn rate(r: &SgRule) -> (Severity, String) {
    let proto = r.proto.as_deref().unwrap_or("-1");
    if matches!(proto, "-1" | "all") {
        return (Severity::High, "all protocols and ports".into());
    }
    if !matches!(proto, "tcp" | "udp" | "6" | "17") {
        return (Severity::Medium, format!("protocol {proto}"));
    }
    let (from, to) = match (r.from, r.to) {
        (Some(f), Some(t)) if f >= 0 && t >= 0 => (f.min(t), f.max(t)),
        _ => (0, 65535),
    };
    let ports = if from == to {
        format!("{proto}/{from}")
    } else {
        format!("{proto}/{from}-{to}")
    };
    if ADMIN_PORTS.iter().any(|p| (from..=to).contains(p)) {
        (Severity::High, ports)
    } else {
        (Severity::Medium, ports)
    }
}

impl Detector for WorldOpen {
    fn rule(&self) -> &'static Rule {
        &RULE
    }

    fn interest(&self) -> Interest {
        Interest::Names(NAMES)
    }

    fn on_event(&mut self, e: &Event, _ctx: &HuntContext, out: &mut Vec<Finding>) {
        let Some(name) = e.event_name().filter(|n| NAMES.contains(n)) else {
            return;
        };
        if e.event_source() != Some("ec2.amazonaws.com") {
            return;
        }
        let mut best: Option<(Severity, String, &str)> = None;
        for r in rules(e) {
            let Some(cidr) = r.cidrs.iter().copied().find(|c| world(c)) else {
                continue;
            };
            let (sev, what) = rate(&r);
            if best.as_ref().is_none_or(|b| sev > b.0) {
                best = Some((sev, what, cidr));
            }
        }
        let Some((sev, ports, cidr)) = best else {
            return;
        };
        let group = e
            .str_at("requestParameters.groupId")
            .or(e.str_at("requestParameters.ModifySecurityGroupRulesRequest.GroupId"))
            .or(e.str_at("requestParameters.groupName"))
            .unwrap_or("unknown security group");
        let (severity, what) = if e.failed() {
            (Severity::Low, "Failed attempt to open")
        } else {
            (sev, "Opened")
        };
        let who = e.principal().unwrap_or("unknown principal");
        out.push(e.finding(
            &RULE,
            severity,
            group,
            format!("{what} {group} to {cidr} on {ports} ({name} by {who})"),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::ath::policy::{ODD, run};

    #[test]
    fn world_open_ingress_only() {
        let ctx = HuntContext::default();
        let recs = r#"[
 {"eventSource":"ec2.amazonaws.com","eventName":"AuthorizeSecurityGroupIngress","eventID":"1","requestParameters":{"groupId":"sg-1","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":443,"toPort":443,"ipRanges":{"items":[{"cidrIp":"0.0.0.0/0"}]}},{"ipProtocol":"tcp","fromPort":20,"toPort":25,"ipv6Ranges":{"items":[{"cidrIpv6":"::/0"}]}}]}}},
 {"eventSource":"ec2.amazonaws.com","eventName":"AuthorizeSecurityGroupIngress","eventID":"2","requestParameters":{"groupId":"sg-2","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":443,"toPort":443,"ipRanges":{"items":[{"cidrIp":"0.0.0.0/0"}]}}]}}},
 {"eventSource":"ec2.amazonaws.com","eventName":"AuthorizeSecurityGroupIngress","eventID":"3","requestParameters":{"groupId":"sg-3","ipPermissions":{},"cidrIp":"208.236.235.254/0","ipProtocol":"tcp","fromPort":22,"toPort":22}},
 {"eventSource":"ec2.amazonaws.com","eventName":"AuthorizeSecurityGroupIngress","eventID":"4","errorCode":"UnauthorizedOperation","requestParameters":{"groupId":"sg-4","ipPermissions":{"items":[{"ipProtocol":"-1","ipRanges":{"items":[{"cidrIp":"0.0.0.0/0"}]}}]}}},
 {"eventSource":"ec2.amazonaws.com","eventName":"ModifySecurityGroupRules","eventID":"5","requestParameters":{"ModifySecurityGroupRulesRequest":{"GroupId":"sg-5","SecurityGroupRule":{"SecurityGroupRuleId":"sgr-1","SecurityGroupRule":{"IpProtocol":"tcp","FromPort":3389,"ToPort":3389,"CidrIpv4":"0.0.0.0/0"},"tag":1}}}},
 {"eventSource":"ec2.amazonaws.com","eventName":"AuthorizeSecurityGroupIngress","eventID":"6","requestParameters":{"groupId":"sg-6","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":22,"toPort":22,"ipRanges":{"items":[{"cidrIp":"10.0.0.0/8"}]}}]}}},
 {"eventSource":"ec2.amazonaws.com","eventName":"ModifySecurityGroupRules","eventID":"7","requestParameters":{"ModifySecurityGroupRulesRequest":{"GroupId":"sg-7","SecurityGroupRule":[{"SecurityGroupRule":{"IpProtocol":"icmp","FromPort":-1,"ToPort":-1,"CidrIpv6":"::/0"}}]}}},
 {"eventSource":"ec2.amazonaws.com","eventName":"AuthorizeSecurityGroupIngress","eventID":"8","requestParameters":{"groupId":"sg-8","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":1,"toPort":65535,"groups":{"items":[{"groupId":"sg-9"}]}}]}}}
]"#;
        let f = run(detector(), recs, &ctx);
        let got: Vec<_> = f
            .iter()
            .map(|f| (f.events.as_ref().unwrap().event_ids[0].as_str(), f.severity))
            .collect();
        assert_eq!(
            got,
            vec![
                ("1", Severity::High),
                ("2", Severity::Medium),
                ("3", Severity::High),
                ("4", Severity::Low),
                ("5", Severity::High),
                ("7", Severity::Medium),
            ]
        );
        assert!(
            f[0].description.contains("tcp/20-25"),
            "{}",
            f[0].description
        );
        assert_eq!(f[4].resource_id, "sg-5");
        assert!(run(detector(), ODD, &ctx).is_empty());
    }
}
