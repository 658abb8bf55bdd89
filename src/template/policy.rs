//! Every IAM statement a template grants, wherever it is written: inline documents,
//! SAM `Policies` (policy templates, managed-policy names, inline statements),
//! `ManagedPolicyArns`, and resource policies.

use super::node::{Kind, Node};
use super::sam_policies::{self, ManagedPolicy};
use super::{Resource, Template};

/// One value of an `Action`/`Resource`/`Principal` list; `None` is an unresolvable intrinsic.
#[derive(Clone, Debug)]
pub struct Item {
    pub value: Option<String>,
    pub line: usize,
    pub col: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyKind {
    /// Attached to a role, user, group or function.
    Identity,
    /// A bucket/topic/queue/key/... policy with a `Principal`.
    Resource,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    Inline,
    SamTemplate(String),
    Managed(String),
}

#[derive(Clone, Debug)]
pub struct Statement {
    pub allow: bool,
    pub actions: Vec<Item>,
    pub not_actions: Vec<Item>,
    pub resources: Vec<Item>,
    pub not_resources: Vec<Item>,
    /// Flattened principal values (`*`, account ARNs, service names).
    pub principals: Vec<Item>,
    pub condition_keys: Vec<String>,
    pub line: usize,
    pub col: usize,
    pub path: String,
    pub origin: Origin,
}

impl Statement {
    pub fn origin_note(&self) -> String {
        match &self.origin {
            Origin::Inline => String::new(),
            Origin::SamTemplate(n) => format!(" (granted by SAM policy template {n})"),
            Origin::Managed(n) => format!(" (granted by managed policy {n})"),
        }
    }
}

pub struct PolicyDoc {
    pub resource_id: String,
    pub resource_type: String,
    pub kind: PolicyKind,
    pub statements: Vec<Statement>,
}

pub fn collect(tpl: &Template) -> Vec<PolicyDoc> {
    let mut docs = Vec::new();
    for r in &tpl.resources {
        let mut identity = Vec::new();
        let mut resource = Vec::new();
        let p = |rest: &str| r.path(&format!("Properties.{rest}"));
        match r.ty.as_str() {
            "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy" => {
                if let Some(d) = r.prop("PolicyDocument") {
                    statements(tpl, d, &p("PolicyDocument"), Origin::Inline, &mut identity);
                }
            }
            "AWS::IAM::Role" | "AWS::IAM::User" | "AWS::IAM::Group" => {
                inline_policies(tpl, r, &mut identity);
                if let Some(arns) = r.prop("ManagedPolicyArns") {
                    for (i, item) in tpl.list_items(arns).into_iter().enumerate() {
                        managed(
                            tpl,
                            item,
                            &p(&format!("ManagedPolicyArns[{i}]")),
                            &mut identity,
                        );
                    }
                }
            }
            "AWS::Serverless::Function" | "AWS::Serverless::StateMachine" => {
                if let Some(pol) = r.prop("Policies") {
                    sam_function_policies(tpl, pol, &p("Policies"), &mut identity);
                }
            }
            "AWS::S3::BucketPolicy"
            | "AWS::SNS::TopicPolicy"
            | "AWS::SQS::QueuePolicy"
            | "AWS::OpenSearchService::Domain"
            | "AWS::Elasticsearch::Domain" => {
                let key = if r.ty.ends_with("Domain") {
                    "AccessPolicies"
                } else {
                    "PolicyDocument"
                };
                if let Some(d) = r.prop(key) {
                    statements(tpl, d, &p(key), Origin::Inline, &mut resource);
                }
            }
            "AWS::KMS::Key" => {
                if let Some(d) = r.prop("KeyPolicy") {
                    statements(tpl, d, &p("KeyPolicy"), Origin::Inline, &mut resource);
                }
            }
            "AWS::SecretsManager::ResourcePolicy" => {
                if let Some(d) = r.prop("ResourcePolicy") {
                    statements(tpl, d, &p("ResourcePolicy"), Origin::Inline, &mut resource);
                }
            }
            "AWS::ECR::Repository" => {
                if let Some(d) = r.prop("RepositoryPolicyText") {
                    statements(
                        tpl,
                        d,
                        &p("RepositoryPolicyText"),
                        Origin::Inline,
                        &mut resource,
                    );
                }
            }
            "AWS::S3::Bucket" | "AWS::SQS::Queue" | "AWS::SNS::Topic" => {}
            _ => {}
        }
        for (kind, statements) in [
            (PolicyKind::Identity, identity),
            (PolicyKind::Resource, resource),
        ] {
            if !statements.is_empty() {
                docs.push(PolicyDoc {
                    resource_id: r.id.clone(),
                    resource_type: r.ty.clone(),
                    kind,
                    statements,
                });
            }
        }
    }
    docs
}

fn inline_policies(tpl: &Template, r: &Resource, out: &mut Vec<Statement>) {
    let Some(pols) = r.prop("Policies") else {
        return;
    };
    for (i, pol) in tpl.list_items(pols).into_iter().enumerate() {
        if let Some(d) = pol.get("PolicyDocument") {
            statements(
                tpl,
                d,
                &r.path(&format!("Properties.Policies[{i}].PolicyDocument")),
                Origin::Inline,
                out,
            );
        }
    }
}

/// SAM `Policies`: a managed-policy name or ARN, a list of those, SAM policy
/// templates (`{S3CrudPolicy: {BucketName: x}}`) and inline documents.
fn sam_function_policies(tpl: &Template, pol: &Node, path: &str, out: &mut Vec<Statement>) {
    if pol.get("Statement").is_some() {
        statements(tpl, pol, path, Origin::Inline, out);
        return;
    }
    let items = match pol.kind {
        Kind::Seq(_) => tpl.list_items(pol),
        _ => vec![pol],
    };
    for (i, item) in items.into_iter().enumerate() {
        let ipath = if matches!(pol.kind, Kind::Seq(_)) {
            format!("{path}[{i}]")
        } else {
            path.to_string()
        };
        if item.get("Statement").is_some() {
            statements(tpl, item, &ipath, Origin::Inline, out);
        } else if let Some(entries) = item.as_map().filter(|_| item.intrinsic().is_none()) {
            for e in entries {
                sam_policies::expand_template(tpl, e, &format!("{ipath}.{}", e.key), out);
            }
        } else {
            managed(tpl, item, &ipath, out);
        }
    }
}

/// An AWS managed policy named by ARN or bare name.
fn managed(tpl: &Template, node: &Node, path: &str, out: &mut Vec<Statement>) {
    for value in tpl.strings(node).into_iter().flatten() {
        let name = value
            .rsplit_once(":policy/")
            .map(|(_, n)| n.rsplit('/').next().unwrap_or(n))
            .unwrap_or(&value);
        if value.contains(":policy/") && !value.contains(":iam::aws:policy/") {
            continue; // a customer managed policy: its document is elsewhere
        }
        if let Some(m) = sam_policies::managed(name) {
            push_managed(m, node, path, out);
        }
    }
}

fn push_managed(m: &ManagedPolicy, node: &Node, path: &str, out: &mut Vec<Statement>) {
    let items = |v: &[&str]| -> Vec<Item> {
        v.iter()
            .map(|s| Item {
                value: Some(s.to_string()),
                line: node.line,
                col: node.col,
            })
            .collect()
    };
    for s in m.statements {
        out.push(Statement {
            allow: true,
            actions: items(s.actions),
            not_actions: items(s.not_actions),
            resources: items(s.resources),
            not_resources: vec![],
            principals: vec![],
            condition_keys: vec![],
            line: node.line,
            col: node.col,
            path: path.to_string(),
            origin: Origin::Managed(m.name.to_string()),
        });
    }
}

/// Reads a policy document (a mapping, or JSON text) into statements.
pub fn statements(
    tpl: &Template,
    doc: &Node,
    path: &str,
    origin: Origin,
    out: &mut Vec<Statement>,
) {
    let parsed;
    let doc = match &doc.kind {
        Kind::Str(s) if s.trim_start().starts_with('{') => match super::json::parse(s) {
            Ok(mut n) => {
                relocate(&mut n, doc.line, doc.col);
                parsed = n;
                &parsed
            }
            Err(_) => return,
        },
        _ => doc,
    };
    let Some(st) = doc.get("Statement") else {
        return;
    };
    for (i, s) in tpl.list_items(st).into_iter().enumerate() {
        if s.as_map().is_none() {
            continue;
        }
        let spath = if matches!(st.kind, Kind::Seq(_)) {
            format!("{path}.Statement[{i}]")
        } else {
            format!("{path}.Statement")
        };
        let allow = match s.get("Effect").map(|e| tpl.strings(e)) {
            Some(v) => v.iter().any(|e| e.as_deref() == Some("Allow")),
            None => false,
        };
        let list = |key: &str| s.get(key).map(|n| items(tpl, n)).unwrap_or_default();
        let condition_keys = s
            .get("Condition")
            .and_then(|c| c.as_map())
            .map(|ops| {
                ops.iter()
                    .filter_map(|op| op.value.as_map())
                    .flat_map(|keys| keys.iter().map(|k| k.key.to_ascii_lowercase()))
                    .collect()
            })
            .unwrap_or_default();
        let mut principals = Vec::new();
        for key in ["Principal", "NotPrincipal"] {
            if let Some(p) = s.get(key) {
                match &p.kind {
                    Kind::Map(entries) if p.intrinsic().is_none() => {
                        for e in entries {
                            principals.extend(items(tpl, &e.value));
                        }
                    }
                    _ => principals.extend(items(tpl, p)),
                }
            }
        }
        out.push(Statement {
            allow,
            actions: list("Action"),
            not_actions: list("NotAction"),
            resources: list("Resource"),
            not_resources: list("NotResource"),
            principals,
            condition_keys,
            line: s.line,
            col: s.col,
            path: spath,
            origin: origin.clone(),
        });
    }
}

/// JSON text embedded in a YAML string: point every node at the string itself.
fn relocate(n: &mut Node, line: usize, col: usize) {
    n.line = line;
    n.col = col;
    match &mut n.kind {
        Kind::Seq(items) => items.iter_mut().for_each(|i| relocate(i, line, col)),
        Kind::Map(entries) => entries.iter_mut().for_each(|e| {
            e.key_line = line;
            e.key_col = col;
            relocate(&mut e.value, line, col)
        }),
        _ => {}
    }
}

pub fn items(tpl: &Template, node: &Node) -> Vec<Item> {
    let mut out = Vec::new();
    for n in tpl.list_items(node) {
        for v in tpl.strings(n) {
            out.push(Item {
                value: v,
                line: n.line,
                col: n.col,
            });
        }
    }
    out
}

/// `*`, or an ARN whose resource part matches every resource of a type.
pub fn is_wildcard_resource(v: &str) -> bool {
    if v == "*" {
        return true;
    }
    let parts: Vec<&str> = v.splitn(6, ':').collect();
    if parts.len() < 6 || parts[0] != "arn" {
        return false;
    }
    let res = parts[5];
    if parts[2] == "s3" {
        // S3 ARNs carry no type: `bucket/*` is one bucket's objects.
        return res == "*" || res.starts_with("*/");
    }
    res == "*"
        || res == "*/*"
        || res.strip_suffix("/*").is_some_and(|t| {
            !t.is_empty()
                && t.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
        || res
            .strip_suffix(":*")
            .is_some_and(|t| !t.contains(['/', ':']))
}

/// `*` or `service:*`.
pub fn is_wildcard_action(v: &str) -> bool {
    v == "*" || v.split_once(':').is_some_and(|(_, a)| a == "*")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::{Template, parse_bytes};

    fn docs(src: &str) -> Vec<PolicyDoc> {
        let t = Template::from_node("t.yaml", parse_bytes(src.as_bytes()).unwrap()).unwrap();
        collect(&t)
    }

    #[test]
    fn sam_policies_expand_to_statements() {
        let d = docs(
            "Parameters:\n  T:\n    Type: String\n    Default: orders\nResources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Policies:\n        - AWSLambdaBasicExecutionRole\n        - !Sub 'arn:${AWS::Partition}:iam::aws:policy/AmazonS3ReadOnlyAccess'\n        - DynamoDBCrudPolicy:\n            TableName: !Ref T\n        - UnknownFuturePolicy: {}\n        - Statement:\n            - Effect: Allow\n              Action: sqs:SendMessage\n              Resource: !GetAtt Q.Arn\n",
        );
        assert_eq!(d.len(), 1);
        let origins: Vec<&Origin> = d[0].statements.iter().map(|s| &s.origin).collect();
        assert_eq!(
            origins,
            vec![
                &Origin::Managed("AWSLambdaBasicExecutionRole".into()),
                &Origin::Managed("AmazonS3ReadOnlyAccess".into()),
                &Origin::SamTemplate("DynamoDBCrudPolicy".into()),
                &Origin::Inline,
            ]
        );
        let ddb = &d[0].statements[2];
        assert_eq!(
            ddb.resources[0].value.as_deref(),
            Some("arn:aws:dynamodb:us-east-1:123456789012:table/orders")
        );
        assert_eq!(
            ddb.path,
            "Resources.F.Properties.Policies[2].DynamoDBCrudPolicy"
        );
        // An unresolvable resource stays unknown: never a wildcard.
        assert_eq!(d[0].statements[3].resources[0].value, None);
    }

    #[test]
    fn json_string_policy_documents_and_resource_policies() {
        let d = docs(
            "Resources:\n  P:\n    Type: AWS::SNS::TopicPolicy\n    Properties:\n      PolicyDocument: '{\"Statement\": [{\"Effect\": \"Allow\", \"Principal\": {\"AWS\": \"*\"}, \"Action\": \"sns:Publish\", \"Resource\": \"*\"}]}'\n",
        );
        assert_eq!(d[0].kind, PolicyKind::Resource);
        let s = &d[0].statements[0];
        assert!(s.allow);
        assert_eq!(s.principals[0].value.as_deref(), Some("*"));
        assert_eq!(s.principals[0].line, 5);
    }

    #[test]
    fn wildcard_shapes() {
        for w in [
            "*",
            "arn:aws:s3:::*",
            "arn:aws:dynamodb:us-east-1:1:table/*",
            "arn:aws:logs:*:*:*",
        ] {
            assert!(is_wildcard_resource(w), "{w}");
        }
        for n in [
            "arn:aws:s3:::bucket/*",
            "arn:aws:s3:::bucket",
            "arn:aws:dynamodb:us-east-1:1:table/T/index/*",
        ] {
            assert!(!is_wildcard_resource(n), "{n}");
        }
        assert!(is_wildcard_action("s3:*") && is_wildcard_action("*"));
        assert!(!is_wildcard_action("s3:Get*"));
    }
}
