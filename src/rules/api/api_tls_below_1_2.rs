//! ## What it does
//! Flags API Gateway custom domains that accept TLS 1.0: `SecurityPolicy: TLS_1_0` on
//! `AWS::ApiGateway::DomainName`, on any `DomainNameConfigurations` entry of
//! `AWS::ApiGatewayV2::DomainName`, and on the `Domain` of SAM `AWS::Serverless::Api` /
//! `AWS::Serverless::HttpApi` (`Globals` merged). Either branch of an `!If` and
//! parameter defaults count; an absent policy is not reported.
//!
//! ## Why is this bad?
//! TLS 1.0 and 1.1 are deprecated (RFC 8996): they rely on weak constructions (CBC
//! with predictable IVs, SHA-1 handshakes) and are outside PCI DSS. Offering them lets
//! a network attacker negotiate clients down to them.
//!
//! ## Severity
//! MEDIUM: exploiting a downgrade needs a privileged network position and old
//! clients, but the traffic it protects is the API's credentials and data.
//!
//! ## Example
//! ```yaml
//! ApiDomain:
//!   Type: AWS::ApiGateway::DomainName
//!   Properties:
//!     DomainName: api.example.com
//!     RegionalCertificateArn: !Ref Certificate
//!     SecurityPolicy: TLS_1_0
//! ```
//!
//! Use instead:
//! ```yaml
//! ApiDomain:
//!   Type: AWS::ApiGateway::DomainName
//!   Properties:
//!     DomainName: api.example.com
//!     RegionalCertificateArn: !Ref Certificate
//!     SecurityPolicy: TLS_1_2
//! ```
//!
//! ## References
//! - [Choosing a security policy for your custom domain](https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-custom-domain-tls-version.html)
//! - [RFC 8996: Deprecating TLS 1.0 and TLS 1.1](https://www.rfc-editor.org/rfc/rfc8996)
//! - [CWE-326: Inadequate encryption strength](https://cwe.mitre.org/data/definitions/326.html)

use crate::model::{Finding, Severity};
use crate::rules::{Check, Ctx, Rule};
use crate::template::node::{Kind, Node};

pub const RULE: Rule = Rule {
    id: "API003",
    name: "api-tls-below-1-2",
    title: "API custom domain allows TLS 1.0",
    family: "API",
    severity: Severity::Medium,
    remediation: "Set SecurityPolicy: TLS_1_2 (or a newer TLS 1.2+/1.3 policy).",
    source: include_str!("api_tls_below_1_2.rs"),
    check: Check::Template(check),
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let tpl = ctx.tpl;
    for r in &tpl.resources {
        let mut sites: Vec<(&Node, String)> = Vec::new();
        match r.ty.as_str() {
            "AWS::ApiGateway::DomainName" => {
                if let Some(n) = r.prop("SecurityPolicy") {
                    sites.push((n, "Properties.SecurityPolicy".into()));
                }
            }
            "AWS::ApiGatewayV2::DomainName" => {
                if let Some(list) = r.prop("DomainNameConfigurations") {
                    let indexed = matches!(list.kind, Kind::Seq(_));
                    for (i, c) in tpl.list_items(list).into_iter().enumerate() {
                        if let Some(n) = c.get("SecurityPolicy") {
                            let p = if indexed {
                                format!("Properties.DomainNameConfigurations[{i}].SecurityPolicy")
                            } else {
                                "Properties.DomainNameConfigurations.SecurityPolicy".into()
                            };
                            sites.push((n, p));
                        }
                    }
                }
            }
            "AWS::Serverless::Api" | "AWS::Serverless::HttpApi" => {
                if let Some(n) = r
                    .props()
                    .and_then(|p| p.get_path(&["Domain", "SecurityPolicy"]))
                {
                    sites.push((n, "Properties.Domain.SecurityPolicy".into()));
                }
            }
            _ => continue,
        }
        for (node, path) in sites {
            if tpl.strings(node).iter().any(|v| {
                v.as_deref()
                    .is_some_and(|v| v.eq_ignore_ascii_case("TLS_1_0"))
            }) {
                out.push(ctx.finding(
                    &RULE,
                    r,
                    node,
                    r.path(&path),
                    format!(
                        "Custom domain of {} accepts TLS 1.0 (SecurityPolicy TLS_1_0).",
                        r.id
                    ),
                ));
            }
        }
    }
}
