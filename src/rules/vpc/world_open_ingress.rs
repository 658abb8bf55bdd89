//! ## What it does
//! Flags security-group ingress rules (inline `SecurityGroupIngress` or standalone
//! `AWS::EC2::SecurityGroupIngress`) open to `0.0.0.0/0` or `::/0`.
//!
//! ## Why is this bad?
//! Every host on the internet can reach the port; administration and database ports
//! are scanned and brute-forced within minutes of exposure.
//!
//! ## Severity
//! HIGH for all ports or administration/database ports (22, 3389, 3306, 5432, 1433,
//! 1521, 6379, 27017, 9200, 2375, ...); LOW for 80/443, which are usually meant to be
//! public; MEDIUM for any other port.
//!
//! ## Example
//! ```yaml
//! SecurityGroupIngress:
//!   - IpProtocol: tcp
//!     FromPort: 22
//!     ToPort: 22
//!     CidrIp: 0.0.0.0/0
//! ```
//!
//! Use instead:
//! ```yaml
//! SecurityGroupIngress:
//!   - IpProtocol: tcp
//!     FromPort: 5432
//!     ToPort: 5432
//!     SourceSecurityGroupId: !Ref FunctionSecurityGroup
//! ```
//!
//! ## References
//! - [Security group rules](https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html)
//! - [CIS AWS Foundations 5.2/5.3: no ingress from 0.0.0.0/0 to admin ports](https://www.cisecurity.org/benchmark/amazon_web_services)

use super::world_rules;
use crate::model::{Finding, Severity};
use crate::rules::{Check, Ctx, Rule};

pub const RULE: Rule = Rule {
    id: "VPC002",
    name: "world-open-ingress",
    title: "Security group allows ingress from the whole internet",
    family: "VPC",
    severity: Severity::Medium,
    remediation: "Allow ingress only from known CIDRs or from other security groups (SourceSecurityGroupId); reach admin ports through SSM Session Manager.",
    source: include_str!("world_open_ingress.rs"),
    check: Check::Template(check),
};

const ADMIN_PORTS: &[i64] = &[
    20, 21, 22, 23, 135, 139, 445, 1433, 1521, 2049, 2375, 2376, 3306, 3389, 5432, 5500, 5601,
    5900, 6379, 8020, 9042, 9200, 9300, 11211, 27017,
];

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    for rule in world_rules(ctx.tpl, false) {
        let (severity, what) = match rule.ports {
            None => (Severity::High, "all ports".to_string()),
            Some((a, b)) => {
                let admin: Vec<i64> = ADMIN_PORTS
                    .iter()
                    .copied()
                    .filter(|p| (a..=b).contains(p))
                    .collect();
                let label = if a == b {
                    format!("port {a}")
                } else {
                    format!("ports {a}-{b}")
                };
                if !admin.is_empty() {
                    (Severity::High, format!("{label} (administration/database)"))
                } else if (a == 80 || a == 443) && a == b {
                    (Severity::Low, label)
                } else {
                    (Severity::Medium, label)
                }
            }
        };
        let mut f = ctx.finding(
            &RULE,
            rule.resource,
            rule.node,
            rule.path,
            format!(
                "{} allows {} ingress on {what} from {}.",
                rule.resource.id, rule.protocol, rule.cidr
            ),
        );
        f.severity = severity;
        out.push(f);
    }
}
