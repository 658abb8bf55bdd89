//! ## What it does
//! Flags symmetric encryption keys (`AWS::KMS::Key` with `KeySpec` absent or
//! `SYMMETRIC_DEFAULT`) whose `EnableKeyRotation` is not `true`: missing (the default is
//! off) or `false` in any `!If` branch. Asymmetric and HMAC keys (which KMS cannot
//! rotate automatically), keys with imported material (`Origin: EXTERNAL`) and keys whose
//! `KeySpec` or `EnableKeyRotation` cannot be resolved are not reported.
//!
//! ## Why is this bad?
//! Without rotation the same key material protects data for the key's whole life, so a
//! compromise of that material exposes everything ever encrypted under it, and it
//! breaks the key-lifetime requirements of most compliance frameworks (PCI DSS 3.6.4,
//! CIS AWS Foundations 3.8). Automatic rotation is transparent: old ciphertext still
//! decrypts, nothing in the application changes.
//!
//! ## Severity
//! MEDIUM: no immediate exposure, but it widens the blast radius of a key compromise and
//! is a common audit failure; fixing it is one property.
//!
//! ## Example
//! ```yaml
//! DataKey:
//!   Type: AWS::KMS::Key
//!   Properties:
//!     KeyPolicy: {...}
//! ```
//!
//! Use instead:
//! ```yaml
//! DataKey:
//!   Type: AWS::KMS::Key
//!   Properties:
//!     EnableKeyRotation: true
//!     KeyPolicy: {...}
//! ```
//!
//! ## References
//! - [Rotating AWS KMS keys](https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html)
//! - [AWS::KMS::Key EnableKeyRotation](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-kms-key.html#cfn-kms-key-enablekeyrotation)
//! - [CWE-320](https://cwe.mitre.org/data/definitions/320.html)

use crate::model::{Finding, Severity};
use crate::rules::props::{self, Flag};
use crate::rules::{Check, Ctx, Rule};

pub const RULE: Rule = Rule {
    id: "KMS002",
    name: "kms-rotation-disabled",
    title: "KMS key rotation is not enabled",
    family: "KMS",
    severity: Severity::Medium,
    remediation: "Set EnableKeyRotation: true on the symmetric KMS key (optionally RotationPeriodInDays).",
    source: include_str!("kms_rotation_disabled.rs"),
    check: Check::Template(check),
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let tpl = ctx.tpl;
    for r in tpl.resources.iter().filter(|r| r.ty == "AWS::KMS::Key") {
        let symmetric = match r.prop("KeySpec").map(|k| tpl.strings(k)) {
            None => true,
            Some(v) if v.is_empty() => true,
            Some(v) => v.iter().all(|s| s.as_deref() == Some("SYMMETRIC_DEFAULT")),
        };
        let external = r.prop("Origin").is_some_and(|o| {
            tpl.strings(o)
                .iter()
                .any(|v| v.as_deref() != Some("AWS_KMS"))
        });
        if !symmetric || external {
            continue;
        }
        let node = r.prop("EnableKeyRotation");
        match props::flag(tpl, node) {
            Flag::True | Flag::Unknown => {}
            Flag::False => out.push(ctx.finding(
                &RULE,
                r,
                node.unwrap(),
                r.path("Properties.EnableKeyRotation"),
                format!(
                    "KMS key {} turns automatic key rotation off (EnableKeyRotation false).",
                    r.id
                ),
            )),
            Flag::Absent => {
                let (line, col) = props::missing_at(r);
                out.push(ctx.finding_at(
                    &RULE,
                    &r.id,
                    line,
                    col,
                    r.path("Properties.EnableKeyRotation"),
                    format!(
                        "KMS key {} does not enable automatic key rotation (EnableKeyRotation defaults to false).",
                        r.id
                    ),
                ));
            }
        }
    }
}
