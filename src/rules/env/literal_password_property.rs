//! ## What it does
//! Flags password and token properties of AWS resources whose value is visible in the
//! template or the console: `MasterUserPassword` of RDS DB instances and clusters,
//! Redshift clusters and DocumentDB clusters; `LoginProfile.Password` of IAM users;
//! `Password` of Directory Service Simple AD and Microsoft AD; `AuthToken` of
//! ElastiCache replication groups; DMS endpoint `Password` (and
//! `MongoDbSettings.Password`); Amazon MQ broker `Users[].Password`; Amplify
//! `AccessToken`, `OauthToken` and `BasicAuthConfig.Password`; CodePipeline webhook
//! `SecretToken`; Kinesis Firehose Redshift `Password` and Splunk `HECToken`.
//!
//! Reported: a literal (a plain string, or a `!Sub`/`!Join`/`!FindInMap` whose text is
//! fully known), a `{{resolve:ssm:...}}` plain-text SSM reference, a `Ref` to a
//! Parameter that has a `Default` (the value is in the template), and a `Ref` to a
//! Parameter without `NoEcho: true` (the value shows in the console and in
//! `describe-stacks`). Dynamic references to Secrets Manager or SSM SecureString
//! (`{{resolve:secretsmanager:...}}`, `{{resolve:ssm-secure:...}}`), `Ref`s to `NoEcho`
//! parameters without a default, `!GetAtt`/`!ImportValue` and values that cannot be
//! resolved are not. `!If` branches are judged one by one; `AWS::NoValue` is absent.
//! The value itself is never printed.
//!
//! ## Why is this bad?
//! The database or directory administrator password is then readable by anyone who can
//! read the repository, the stored template (`GetTemplate`) or the stack parameters,
//! and it never rotates. These accounts usually own the data outright.
//!
//! ## Severity
//! HIGH: the credential is an administrator password of a data store, exposed to
//! everyone with read access to the template or the stack.
//!
//! ## Example
//! ```yaml
//! Database:
//!   Type: AWS::RDS::DBInstance
//!   Properties:
//!     MasterUsername: admin
//!     MasterUserPassword: Sup3rS3cret!
//! ```
//!
//! Use instead:
//! ```yaml
//! Database:
//!   Type: AWS::RDS::DBInstance
//!   Properties:
//!     MasterUsername: admin
//!     MasterUserPassword: !Sub '{{resolve:secretsmanager:${DbSecret}:SecretString:password}}'
//! ```
//!
//! ## References
//! - [CloudFormation dynamic references](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references.html)
//! - [CloudFormation best practices: do not embed credentials](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/security-best-practices.html#creds)
//! - [CWE-798: Use of hard-coded credentials](https://cwe.mitre.org/data/definitions/798.html)

use crate::model::{Finding, Severity};
use crate::rules::{Check, Ctx, Rule};
use crate::template::node::{Kind, Node};
use crate::template::{Resource, Template};

pub const RULE: Rule = Rule {
    id: "ENV004",
    name: "literal-password-property",
    title: "Resource password property is a literal or a visible parameter",
    family: "ENV",
    severity: Severity::High,
    remediation: "Use a dynamic reference ({{resolve:secretsmanager:...}}), RDS ManageMasterUserPassword, or a NoEcho parameter without a Default; rotate the exposed password.",
    source: include_str!("literal_password_property.rs"),
    check: Check::Template(check),
};

/// Resource type and property path; `[]` iterates a list.
const PROPERTIES: &[(&str, &[&str])] = &[
    ("AWS::RDS::DBInstance", &["MasterUserPassword"]),
    ("AWS::RDS::DBCluster", &["MasterUserPassword"]),
    ("AWS::Redshift::Cluster", &["MasterUserPassword"]),
    ("AWS::DocDB::DBCluster", &["MasterUserPassword"]),
    ("AWS::IAM::User", &["LoginProfile", "Password"]),
    ("AWS::DirectoryService::SimpleAD", &["Password"]),
    ("AWS::DirectoryService::MicrosoftAD", &["Password"]),
    ("AWS::ElastiCache::ReplicationGroup", &["AuthToken"]),
    ("AWS::DMS::Endpoint", &["Password"]),
    ("AWS::DMS::Endpoint", &["MongoDbSettings", "Password"]),
    ("AWS::AmazonMQ::Broker", &["Users", "[]", "Password"]),
    ("AWS::Amplify::App", &["AccessToken"]),
    ("AWS::Amplify::App", &["OauthToken"]),
    ("AWS::Amplify::App", &["BasicAuthConfig", "Password"]),
    ("AWS::Amplify::Branch", &["BasicAuthConfig", "Password"]),
    (
        "AWS::CodePipeline::Webhook",
        &["AuthenticationConfiguration", "SecretToken"],
    ),
    (
        "AWS::KinesisFirehose::DeliveryStream",
        &["RedshiftDestinationConfiguration", "Password"],
    ),
    (
        "AWS::KinesisFirehose::DeliveryStream",
        &["SplunkDestinationConfiguration", "HECToken"],
    ),
    ("AWS::Pinpoint::APNSChannel", &["PrivateKey"]),
    ("AWS::Pinpoint::APNSChannel", &["TokenKey"]),
    ("AWS::Pinpoint::APNSSandboxChannel", &["PrivateKey"]),
    ("AWS::Pinpoint::APNSSandboxChannel", &["TokenKey"]),
    ("AWS::Pinpoint::APNSVoipChannel", &["PrivateKey"]),
    ("AWS::Pinpoint::APNSVoipChannel", &["TokenKey"]),
    ("AWS::Pinpoint::APNSVoipSandboxChannel", &["PrivateKey"]),
    ("AWS::Pinpoint::APNSVoipSandboxChannel", &["TokenKey"]),
    ("AWS::Lambda::Permission", &["EventSourceToken"]),
    (
        "AWS::AppStream::DirectoryConfig",
        &["ServiceAccountCredentials", "AccountPassword"],
    ),
    (
        "AWS::OpsWorks::Stack",
        &["RdsDbInstances", "[]", "DbPassword"],
    ),
    (
        "AWS::OpsWorks::Stack",
        &["CustomCookbooksSource", "Password"],
    ),
    ("AWS::OpsWorks::App", &["SslConfiguration", "PrivateKey"]),
    ("AWS::OpsWorks::App", &["AppSource", "Password"]),
    (
        "AWS::EMR::Cluster",
        &["KerberosAttributes", "ADDomainJoinPassword"],
    ),
    (
        "AWS::EMR::Cluster",
        &["KerberosAttributes", "CrossRealmTrustPrincipalPassword"],
    ),
    (
        "AWS::EMR::Cluster",
        &["KerberosAttributes", "KdcAdminPassword"],
    ),
    (
        "AWS::ManagedBlockchain::Member",
        &[
            "MemberConfiguration",
            "MemberFrameworkConfiguration",
            "MemberFabricConfiguration",
            "AdminPassword",
        ],
    ),
    (
        "Alexa::ASK::Skill",
        &["AuthenticationConfiguration", "ClientSecret"],
    ),
    (
        "Alexa::ASK::Skill",
        &["AuthenticationConfiguration", "RefreshToken"],
    ),
];

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let tpl = ctx.tpl;
    for r in &tpl.resources {
        for (_, path) in PROPERTIES.iter().filter(|(ty, _)| *ty == r.ty) {
            let Some(props) = r.props() else { continue };
            let mut found = Vec::new();
            walk(tpl, props, path, String::new(), &mut found);
            for (node, ppath) in found {
                report(ctx, r, node, &ppath, out);
            }
        }
    }
}

/// Nodes at `path` under `node`, with their property path.
fn walk<'a>(
    tpl: &Template,
    node: &'a Node,
    path: &[&str],
    prefix: String,
    out: &mut Vec<(&'a Node, String)>,
) {
    let Some((first, rest)) = path.split_first() else {
        out.push((node, prefix));
        return;
    };
    if *first == "[]" {
        let indexed = matches!(node.kind, Kind::Seq(_));
        for (i, item) in tpl.list_items(node).into_iter().enumerate() {
            let p = if indexed {
                format!("{prefix}[{i}]")
            } else {
                prefix.clone()
            };
            walk(tpl, item, rest, p, out);
        }
        return;
    }
    // Nested objects may themselves be `!If [c, {...}, {...}]`.
    for n in tpl.list_items(node) {
        if let Some(child) = n.get(first) {
            let p = if prefix.is_empty() {
                first.to_string()
            } else {
                format!("{prefix}.{first}")
            };
            walk(tpl, child, rest, p, out);
        }
    }
}

/// Why a value is exposed, or `None` when it is safe or unknown.
fn exposure(tpl: &Template, node: &Node, depth: usize) -> Option<String> {
    if depth > 8 {
        return None;
    }
    match &node.kind {
        Kind::Str(s) => literal(s),
        Kind::Number(_) | Kind::Bool(_) => Some("a literal in the template".into()),
        Kind::Null | Kind::Seq(_) => None,
        Kind::Map(_) => match node.intrinsic() {
            Some(("Ref", arg)) => parameter(tpl, arg.as_str()?),
            Some(("Fn::If", arg)) => match arg.as_seq() {
                Some([_, a, b]) => {
                    exposure(tpl, a, depth + 1).or_else(|| exposure(tpl, b, depth + 1))
                }
                _ => None,
            },
            Some(("Fn::Sub", arg)) => {
                let text = match &arg.kind {
                    Kind::Str(s) => s.as_str(),
                    Kind::Seq(items) => items.first()?.as_str()?,
                    _ => return None,
                };
                if is_secure_reference(text) {
                    return None;
                }
                // `!Sub '${DbPassword}'` is a Ref in disguise.
                if let Some(var) = text
                    .strip_prefix("${")
                    .and_then(|t| t.strip_suffix('}'))
                    .filter(|v| !v.contains(['$', '{', '}', '.', '!']))
                {
                    if let Kind::Seq(items) = &arg.kind
                        && let Some(v) = items.get(1).and_then(|m| m.get(var))
                    {
                        return exposure(tpl, v, depth + 1);
                    }
                    return parameter(tpl, var);
                }
                fully_known(tpl, node)
            }
            Some(("Fn::Join", arg)) => {
                let parts = arg.as_seq().and_then(|s| s.get(1));
                let secure = parts.is_some_and(|p| {
                    tpl.list_items(p)
                        .iter()
                        .any(|i| i.as_str().is_some_and(is_secure_reference))
                });
                if secure { None } else { fully_known(tpl, node) }
            }
            Some(("Fn::FindInMap", _)) | Some(("Fn::Select", _)) => fully_known(tpl, node),
            _ => None,
        },
    }
}

fn is_secure_reference(s: &str) -> bool {
    s.contains("{{resolve:secretsmanager:") || s.contains("{{resolve:ssm-secure:")
}

fn literal(s: &str) -> Option<String> {
    if s.is_empty() || is_secure_reference(s) {
        return None;
    }
    if s.contains("{{resolve:ssm:") {
        return Some("a plain-text SSM parameter ({{resolve:ssm:...}}), not a SecureString".into());
    }
    if s.contains("{{resolve:") {
        return None;
    }
    Some("a literal in the template".into())
}

/// Every possible value is known text: the value is written in the template.
fn fully_known(tpl: &Template, node: &Node) -> Option<String> {
    let values = tpl.strings(node);
    if values.is_empty() || values.iter().any(Option::is_none) {
        return None;
    }
    values.iter().flatten().find_map(|v| literal(v))
}

fn parameter(tpl: &Template, name: &str) -> Option<String> {
    let p = tpl.parameter(name)?;
    if p.get("Default")
        .is_some_and(|d| !matches!(d.kind, Kind::Null))
    {
        return Some(format!(
            "a Ref to parameter {name}, which has a Default (the value is in the template)"
        ));
    }
    let no_echo = p.get("NoEcho").is_some_and(Node::is_truthy);
    if !no_echo {
        return Some(format!(
            "a Ref to parameter {name}, which is not NoEcho (the value shows in the console and describe-stacks)"
        ));
    }
    None
}

fn report(ctx: &Ctx, r: &Resource, node: &Node, ppath: &str, out: &mut Vec<Finding>) {
    let Some(why) = exposure(ctx.tpl, node, 0) else {
        return;
    };
    let prop = ppath.rsplit('.').next().unwrap_or(ppath);
    out.push(ctx.finding(
        &RULE,
        r,
        node,
        r.path(&format!("Properties.{ppath}")),
        format!("{prop} of {} ({}) is {why}.", r.id, r.ty),
    ));
}
