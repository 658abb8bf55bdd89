//! ## What it does
//! Flags key policies of `AWS::KMS::Key` and `AWS::KMS::ReplicaKey` with an `Allow`
//! statement for `Principal: "*"` (or `AWS: "*"`, also inside a list) that no
//! restricting condition narrows: `kms:CallerAccount`, `kms:ViaService`,
//! `aws:PrincipalOrgID`, `aws:PrincipalAccount`, `aws:PrincipalArn`,
//! `aws:SourceAccount`, `aws:SourceArn`, `aws:SourceVpce`, ... This is the KMS-specific
//! form of IAM006, which leaves key policies to this rule so that one statement is
//! reported once.
//!
//! ## Why is this bad?
//! A key policy is the primary authority over a KMS key: IAM policies only count where
//! the key policy delegates to the account. A wildcard principal hands the listed
//! actions to every AWS account — with `kms:Decrypt` anyone holding ciphertext (an S3
//! object, a snapshot, a secret) can read it, and with `kms:*` anyone can change the key
//! policy or schedule the key's deletion, destroying every piece of data it protects.
//!
//! ## Severity
//! HIGH, as IAM006: every AWS account gets the listed actions on a key that guards
//! other data, from disclosure (`kms:Decrypt`) to permanent loss
//! (`kms:ScheduleKeyDeletion`, `kms:PutKeyPolicy`). Not CRITICAL because reading data
//! through it still needs the ciphertext, which the key policy does not hand out.
//!
//! ## Example
//! ```yaml
//! Key:
//!   Type: AWS::KMS::Key
//!   Properties:
//!     KeyPolicy:
//!       Statement:
//!         - Effect: Allow
//!           Principal: {AWS: "*"}
//!           Action: kms:*
//!           Resource: "*"
//! ```
//!
//! Use instead:
//! ```yaml
//! Key:
//!   Type: AWS::KMS::Key
//!   Properties:
//!     KeyPolicy:
//!       Statement:
//!         - Effect: Allow
//!           Principal: {AWS: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}
//!           Action: kms:*
//!           Resource: "*"
//!         - Effect: Allow
//!           Principal: {AWS: "*"}
//!           Action: [kms:Decrypt, kms:GenerateDataKey*]
//!           Resource: "*"
//!           Condition:
//!             StringEquals:
//!               kms:CallerAccount: !Ref AWS::AccountId
//!               kms:ViaService: !Sub "s3.${AWS::Region}.amazonaws.com"
//! ```
//!
//! ## References
//! - [Key policies in AWS KMS](https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html)
//! - [AWS KMS condition keys](https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html)
//! - [CWE-284](https://cwe.mitre.org/data/definitions/284.html)

use crate::model::{Finding, Severity};
use crate::rules::iam::{RESTRICTING_CONDITION_KEYS, is_wildcard_principal};
use crate::rules::{Check, Ctx, Rule};
use crate::template::policy::{self, Origin, PolicyKind, Statement};

pub const RULE: Rule = Rule {
    id: "KMS001",
    name: "kms-key-wildcard-principal",
    title: "KMS key policy allows any principal",
    family: "KMS",
    severity: Severity::High,
    remediation: "Name the principals in the key policy (the account root, specific roles or services), or add a condition such as kms:CallerAccount with kms:ViaService, or aws:PrincipalOrgID.",
    source: include_str!("kms_key_wildcard_principal.rs"),
    check: Check::Template(check),
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let tpl = ctx.tpl;
    // Key policies: collected for AWS::KMS::Key, read here for replica keys.
    let mut docs: Vec<(&str, &str, Vec<Statement>)> = ctx
        .policies
        .iter()
        .filter(|d| d.kind == PolicyKind::Resource && d.resource_type == "AWS::KMS::Key")
        .map(|d| {
            (
                d.resource_id.as_str(),
                d.resource_type.as_str(),
                d.statements.clone(),
            )
        })
        .collect();
    for r in tpl
        .resources
        .iter()
        .filter(|r| r.ty == "AWS::KMS::ReplicaKey")
    {
        if let Some(d) = r.prop("KeyPolicy") {
            let mut st = Vec::new();
            policy::statements(
                tpl,
                d,
                &r.path("Properties.KeyPolicy"),
                Origin::Inline,
                &mut st,
            );
            docs.push((r.id.as_str(), r.ty.as_str(), st));
        }
    }
    for (id, ty, statements) in docs {
        for s in statements.iter().filter(|s| s.allow) {
            if s.condition_keys
                .iter()
                .any(|k| RESTRICTING_CONDITION_KEYS.contains(&k.as_str()))
            {
                continue;
            }
            let Some(p) = s
                .principals
                .iter()
                .find(|p| p.value.as_deref().is_some_and(is_wildcard_principal))
            else {
                continue;
            };
            let actions: Vec<&str> = s
                .actions
                .iter()
                .filter_map(|a| a.value.as_deref())
                .take(3)
                .collect();
            out.push(ctx.finding_at(
                &RULE,
                id,
                p.line,
                p.col,
                format!("{}.Principal", s.path),
                format!(
                    "Key policy of {id} ({ty}) lets any AWS principal {} without a restricting condition.",
                    if actions.is_empty() {
                        "use the key".to_string()
                    } else {
                        actions.join(", ")
                    }
                ),
            ));
        }
    }
}
