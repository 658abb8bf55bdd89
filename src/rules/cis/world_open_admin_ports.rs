//! ## What it does
//! CIS AWS Foundations v1.5.0 control 5.2: no security group allows ingress from
//! 0.0.0.0/0 to the remote administration ports 22 (SSH) or 3389 (RDP). Reads every
//! ingress rule (DescribeSecurityGroupRules) in every checked region, concurrently; a
//! rule fails when its IPv4 range is 0.0.0.0/0 and it is all traffic (`-1`) or TCP/UDP
//! with a port range containing 22 or 3389. (IPv6 `::/0` is CIS 5.3, not checked here.)
//!
//! ## Why is this bad?
//! SSH and RDP open to the internet are scanned within minutes and brute-forced or
//! exploited; administration should come through Session Manager, a VPN or a bastion.
//!
//! ## Severity
//! HIGH. WARN when a region could not be read and no open rule was found elsewhere.
//!
//! ## Example
//! ```json
//! {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIpv4": "0.0.0.0/0"}
//! ```
//!
//! Use instead:
//! ```json
//! {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIpv4": "10.0.0.0/16"}
//! ```
//!
//! ## References
//! - [CIS AWS Foundations Benchmark v1.5.0, 5.2](https://www.cisecurity.org/benchmark/amazon_web_services)
//! - [Security group rules](https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html)
//! - [Security Hub EC2.53](https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html)

use super::Eval;
use crate::cis::collect::{Facts, SgRule};
use crate::model::Severity;
use crate::rules::{Check, Rule};

pub const LEVEL: u8 = 1;
const ADMIN_PORTS: [i32; 2] = [22, 3389];

pub static RULE: Rule = Rule {
    id: "CIS-5.2",
    name: "world-open-admin-ports",
    title: "No security group open to 0.0.0.0/0 on ports 22 or 3389",
    family: "CIS",
    severity: Severity::High,
    remediation: "Revoke the listed ingress rules (aws ec2 revoke-security-group-ingress --group-id G --security-group-rule-ids R) and reach instances through Session Manager, a VPN or a restricted CIDR.",
    source: include_str!("world_open_admin_ports.rs"),
    check: Check::Cis,
};

/// A world-open IPv4 ingress rule covering an admin port (or all traffic).
pub fn is_open_admin(r: &SgRule) -> bool {
    if r.cidr_ipv4.as_deref() != Some("0.0.0.0/0") {
        return false;
    }
    match r.protocol.as_str() {
        "-1" => true,
        "tcp" | "6" | "udp" | "17" => {
            let (from, to) = (r.from_port.unwrap_or(0), r.to_port.unwrap_or(65535));
            // -1 ports with a concrete protocol mean every port.
            let (from, to) = if from < 0 || to < 0 {
                (0, 65535)
            } else {
                (from, to)
            };
            ADMIN_PORTS.iter().any(|p| (from..=to).contains(p))
        }
        _ => false,
    }
}

pub fn describe(r: &SgRule) -> String {
    let ports = match (r.protocol.as_str(), r.from_port, r.to_port) {
        ("-1", _, _) => "all traffic".to_string(),
        (p, Some(a), Some(b)) if a == b => format!("{p} {a}"),
        (p, Some(a), Some(b)) => format!("{p} {a}-{b}"),
        (p, _, _) => format!("{p} all ports"),
    };
    format!("{ports} from 0.0.0.0/0")
}

pub fn evaluate(f: &Facts) -> Eval {
    let mut open = Vec::new();
    let mut evidence = Vec::new();
    let mut unknown = Vec::new();
    let mut total = 0;
    for region in &f.regions {
        match f.security_groups.get(region) {
            Some(Ok(rules)) => {
                total += rules.len();
                for r in rules.iter().filter(|r| is_open_admin(r)) {
                    evidence.push(format!(
                        "{} {} rule {}: {}",
                        r.region,
                        r.group_id,
                        r.rule_id,
                        describe(r)
                    ));
                    open.push(r.clone());
                }
            }
            Some(Err(e)) => unknown.push(format!("{region}: {e}")),
            None => unknown.push(format!("{region}: not read")),
        }
    }
    for (region, e) in &f.region_errors {
        unknown.push(format!("{region}: {e}"));
    }
    evidence.truncate(30);
    evidence.insert(
        0,
        format!(
            "{total} ingress rules in {} region(s), {} open to 0.0.0.0/0 on 22/3389 or all traffic",
            f.regions.len(),
            open.len()
        ),
    );
    if !open.is_empty() {
        let groups: Vec<String> = open
            .iter()
            .map(|r| format!("{} ({})", r.group_id, r.region))
            .collect();
        let mut groups_unique = groups.clone();
        groups_unique.dedup();
        return Eval::fail(
            format!(
                "{} ingress rule(s) open admin ports to the world: {}",
                open.len(),
                super::some(&groups_unique, 5)
            ),
            evidence,
        )
        .on(open.iter().map(|r| r.rule_id.clone()).collect());
    }
    if !unknown.is_empty() {
        return Eval::warn(
            format!("could not read security groups in {}", unknown.join("; ")),
            evidence,
        );
    }
    Eval::pass(evidence)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cis::model::Status;

    fn rule(proto: &str, from: i32, to: i32, cidr: &str) -> SgRule {
        SgRule {
            region: "us-east-1".into(),
            group_id: "sg-1".into(),
            rule_id: "sgr-1".into(),
            protocol: proto.into(),
            from_port: Some(from),
            to_port: Some(to),
            cidr_ipv4: Some(cidr.into()),
            cidr_ipv6: None,
        }
    }

    #[test]
    fn open_rules() {
        assert!(is_open_admin(&rule("tcp", 22, 22, "0.0.0.0/0")));
        assert!(is_open_admin(&rule("tcp", 0, 65535, "0.0.0.0/0")));
        assert!(is_open_admin(&rule("-1", -1, -1, "0.0.0.0/0")));
        assert!(is_open_admin(&rule("6", 3389, 3389, "0.0.0.0/0")));
        assert!(!is_open_admin(&rule("tcp", 443, 443, "0.0.0.0/0")));
        assert!(!is_open_admin(&rule("tcp", 22, 22, "10.0.0.0/8")));
        assert!(!is_open_admin(&rule("icmp", -1, -1, "0.0.0.0/0")));
        let mut f = super::super::test_facts::facts();
        f.security_groups.insert(
            "us-east-1".into(),
            Ok(vec![rule("tcp", 443, 443, "0.0.0.0/0")]),
        );
        assert_eq!(evaluate(&f).status, Status::Pass);
        f.security_groups.insert(
            "us-east-1".into(),
            Ok(vec![rule("tcp", 20, 25, "0.0.0.0/0")]),
        );
        let e = evaluate(&f);
        assert_eq!(e.status, Status::Fail);
        assert_eq!(e.resources, vec!["sgr-1".to_string()]);
        f.security_groups
            .insert("us-east-1".into(), Err("denied".into()));
        assert_eq!(evaluate(&f).status, Status::Warn);
    }
}
