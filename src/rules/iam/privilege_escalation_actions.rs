//! ## What it does
//! Flags identity policies that grant a known IAM privilege-escalation path, judged
//! over everything one principal gets: its inline policies, SAM `Policies` (policy
//! templates and managed policies expanded) and the `AWS::IAM::Policy` /
//! `AWS::IAM::ManagedPolicy` resources attached to it in the template.
//!
//! - Single actions: `iam:CreatePolicyVersion`, `iam:SetDefaultPolicyVersion`,
//!   `iam:AttachUserPolicy`/`AttachRolePolicy`/`AttachGroupPolicy`,
//!   `iam:PutUserPolicy`/`PutRolePolicy`/`PutGroupPolicy`, `iam:CreateAccessKey`,
//!   `iam:CreateLoginProfile`/`UpdateLoginProfile`, `iam:UpdateAssumeRolePolicy`,
//!   `iam:AddUserToGroup`.
//! - `iam:PassRole` combined with compute the holder controls: `lambda:CreateFunction`
//!   (or `UpdateFunctionCode`/`UpdateFunctionConfiguration`) plus `lambda:InvokeFunction`
//!   or `lambda:CreateEventSourceMapping`; `ec2:RunInstances`;
//!   `cloudformation:CreateStack`/`UpdateStack`; `glue:CreateDevEndpoint`;
//!   `datapipeline:CreatePipeline`.
//!
//! Partial wildcards (`iam:Put*Policy`, `iam:Attach*`) are matched. Whole-service and
//! global wildcards (`iam:*`, `*`) are IAM001's findings and are not repeated here; an
//! action that an unconditional `Deny` of the same principal removes is not counted.
//!
//! ## Why is this bad?
//! Each of these lets the holder give itself more permissions than it was granted:
//! write a new default version of a policy it is attached to, attach
//! `AdministratorAccess` to itself, mint access keys or console passwords for other
//! users, or hand a more privileged role to a Lambda function, instance, stack or Glue
//! endpoint it then controls. A bug in the function becomes an account takeover.
//! Scoping `Resource` helps less than it seems: the passed role or the targeted user
//! decides how far the escalation goes.
//!
//! ## Severity
//! HIGH: a direct path to more privilege, usually to administrator, but it needs the
//! holder to be compromised first and is not by itself administrator access (which
//! IAM001/IAM005 report as CRITICAL).
//!
//! ## Example
//! ```yaml
//! Policies:
//!   - Statement:
//!       - Effect: Allow
//!         Action: [iam:PassRole, lambda:CreateFunction, lambda:InvokeFunction]
//!         Resource: "*"
//! ```
//!
//! Use instead:
//! ```yaml
//! Policies:
//!   - LambdaInvokePolicy:
//!       FunctionName: !Ref WorkerFunction
//! ```
//!
//! ## References
//! - [Rhino Security Labs: AWS IAM privilege escalation methods](https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/)
//! - [IAM: granting a user permissions to pass a role](https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html)
//! - [MITRE ATT&CK T1098: Account manipulation](https://attack.mitre.org/techniques/T1098/)

use crate::model::{Finding, Severity};
use crate::rules::{Check, Ctx, Rule};
use crate::template::policy::{Item, Origin, PolicyDoc, PolicyKind, Statement, is_wildcard_action};
use crate::template::sam_policies::ADMIN_EQUIVALENT;
use std::collections::{BTreeMap, HashSet};

pub const RULE: Rule = Rule {
    id: "IAM008",
    name: "privilege-escalation-actions",
    title: "Policy grants an IAM privilege-escalation path",
    family: "IAM",
    severity: Severity::High,
    remediation: "Remove the IAM-management actions from workload roles; scope iam:PassRole to the one role a service needs (with iam:PassedToService) and keep function/stack creation in the deployment pipeline.",
    source: include_str!("privilege_escalation_actions.rs"),
    check: Check::Template(check),
};

const SINGLE: &[&str] = &[
    "iam:createpolicyversion",
    "iam:setdefaultpolicyversion",
    "iam:attachuserpolicy",
    "iam:attachrolepolicy",
    "iam:attachgrouppolicy",
    "iam:putuserpolicy",
    "iam:putrolepolicy",
    "iam:putgrouppolicy",
    "iam:createaccesskey",
    "iam:createloginprofile",
    "iam:updateloginprofile",
    "iam:updateassumerolepolicy",
    "iam:addusertogroup",
];

/// What `iam:PassRole` needs next to it: every group must be matched by some action.
const COMBOS: &[(&str, &[&[&str]])] = &[
    (
        "Lambda",
        &[
            &[
                "lambda:createfunction",
                "lambda:updatefunctioncode",
                "lambda:updatefunctionconfiguration",
            ],
            &["lambda:invokefunction", "lambda:createeventsourcemapping"],
        ],
    ),
    ("EC2", &[&["ec2:runinstances"]]),
    (
        "CloudFormation",
        &[&["cloudformation:createstack", "cloudformation:updatestack"]],
    ),
    ("Glue", &[&["glue:createdevendpoint"]]),
    ("Data Pipeline", &[&["datapipeline:createpipeline"]]),
];

/// Case-insensitive IAM action glob (`*`, `?`).
fn glob(pattern: &str, action: &str) -> bool {
    fn go(p: &[u8], a: &[u8]) -> bool {
        match p.split_first() {
            None => a.is_empty(),
            Some((b'*', rest)) => (0..=a.len()).any(|i| go(rest, &a[i..])),
            Some((b'?', rest)) => !a.is_empty() && go(rest, &a[1..]),
            Some((c, rest)) => a.first().is_some_and(|x| x == c) && go(rest, &a[1..]),
        }
    }
    go(
        pattern.to_ascii_lowercase().as_bytes(),
        action.to_ascii_lowercase().as_bytes(),
    )
}

/// The items of `s` that grant `action` (wildcard actions left to IAM001).
fn grants<'s>(s: &'s Statement, action: &str) -> Option<&'s Item> {
    s.actions.iter().find(|a| {
        a.value
            .as_deref()
            .is_some_and(|v| !is_wildcard_action(v) && glob(v, action))
    })
}

fn counted(doc: &PolicyDoc, s: &Statement) -> bool {
    doc.kind == PolicyKind::Identity
        && s.allow
        && !matches!(&s.origin, Origin::Managed(n) if ADMIN_EQUIVALENT.contains(&n.as_str()))
}

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let tpl = ctx.tpl;
    // Principal -> the policy documents it gets.
    let mut groups: BTreeMap<String, Vec<&PolicyDoc>> = BTreeMap::new();
    for doc in ctx
        .policies
        .iter()
        .filter(|d| d.kind == PolicyKind::Identity)
    {
        let mut owners = Vec::new();
        if doc.resource_type == "AWS::IAM::Policy" || doc.resource_type == "AWS::IAM::ManagedPolicy"
        {
            let r = tpl.resource(&doc.resource_id);
            for key in ["Roles", "Users", "Groups"] {
                let Some(list) = r.and_then(|r| r.prop(key)) else {
                    continue;
                };
                for item in tpl.list_items(list) {
                    if let Some(target) = tpl.referenced_resource(item) {
                        owners.push(target.id.clone());
                    }
                }
            }
        }
        if owners.is_empty() {
            owners.push(doc.resource_id.clone());
        }
        for o in owners {
            groups.entry(o).or_default().push(doc);
        }
    }
    let mut reported: HashSet<(String, String)> = HashSet::new();
    for docs in groups.values() {
        let all: Vec<(&PolicyDoc, &Statement)> = docs
            .iter()
            .flat_map(|d| d.statements.iter().map(move |s| (*d, s)))
            .collect();
        let denied = |action: &str| {
            all.iter().any(|(_, s)| {
                !s.allow
                    && s.condition_keys.is_empty()
                    && s.actions
                        .iter()
                        .any(|a| a.value.as_deref().is_some_and(|v| glob(v, action)))
            })
        };
        let granted = |action: &str| -> Option<(&PolicyDoc, &Statement, &Item)> {
            if denied(action) {
                return None;
            }
            all.iter()
                .filter(|(d, s)| counted(d, s))
                .find_map(|(d, s)| grants(s, action).map(|i| (*d, *s, i)))
        };
        // Combos are reported at the first statement granting iam:PassRole.
        let passrole = granted("iam:PassRole");
        let mut combos: Vec<(String, Vec<String>)> = Vec::new();
        if passrole.is_some() {
            for (name, needs) in COMBOS {
                let mut with = Vec::new();
                for group in *needs {
                    match group.iter().find_map(|a| granted(a)) {
                        Some((d, _, item)) => {
                            let v = item.value.clone().unwrap_or_default();
                            let same = passrole.is_some_and(|(pd, _, _)| std::ptr::eq(pd, d));
                            with.push(if same {
                                format!("`{v}`")
                            } else {
                                format!("`{v}` (in {})", d.resource_id)
                            });
                        }
                        None => {
                            with.clear();
                            break;
                        }
                    }
                }
                if !with.is_empty() {
                    combos.push((name.to_string(), with));
                }
            }
        }
        for (doc, s) in all.iter().filter(|(d, s)| counted(d, s)) {
            let mut singles: Vec<&Item> = Vec::new();
            for a in SINGLE {
                if denied(a) {
                    continue;
                }
                if let Some(i) = grants(s, a)
                    && !singles.iter().any(|x| std::ptr::eq(*x, i))
                {
                    singles.push(i);
                }
            }
            let is_passrole_site = passrole.is_some_and(|(d, ps, _)| {
                std::ptr::eq(d, *doc) && std::ptr::eq(ps, *s) && !combos.is_empty()
            });
            if singles.is_empty() && !is_passrole_site {
                continue;
            }
            if !reported.insert((doc.resource_id.clone(), s.path.clone())) {
                continue;
            }
            let mut parts = Vec::new();
            if !singles.is_empty() {
                let names: Vec<&str> = singles.iter().filter_map(|i| i.value.as_deref()).collect();
                parts.push(format!("`{}`", names.join("`, `")));
            }
            let at = if is_passrole_site {
                let (_, _, item) = passrole.expect("passrole site");
                for (name, with) in &combos {
                    parts.push(format!(
                        "`{}` with {} ({name})",
                        item.value.as_deref().unwrap_or("iam:PassRole"),
                        with.join(" + ")
                    ));
                }
                singles.first().copied().unwrap_or(item)
            } else {
                singles[0]
            };
            out.push(ctx.finding_at(
                &RULE,
                &doc.resource_id,
                at.line,
                at.col,
                format!("{}.Action", s.path),
                format!(
                    "{} can escalate its own privileges: {}{}.",
                    doc.resource_id,
                    parts.join("; "),
                    s.origin_note()
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn globs() {
        assert!(glob("iam:Put*Policy", "iam:PutRolePolicy"));
        assert!(glob("IAM:attach*", "iam:AttachUserPolicy"));
        assert!(glob("iam:CreateAccessKey", "iam:createaccesskey"));
        assert!(!glob("iam:Get*", "iam:PutRolePolicy"));
        assert!(glob("lambda:?reateFunction", "lambda:CreateFunction"));
    }
}
