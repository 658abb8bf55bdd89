//! ## What it does
//! Flags `AWS::S3::Bucket` resources that no `AWS::S3::BucketPolicy` of the template
//! protects with a statement denying requests over plain HTTP: `Effect: Deny` with the
//! condition `Bool: {aws:SecureTransport: false}` (`BoolIfExists` also counts). A policy
//! belongs to a bucket when its `Bucket` is `!Ref` to it or a literal equal to its
//! `BucketName` (parameters and `!Sub` resolved). When the template has a bucket policy
//! whose bucket or document cannot be resolved, it may be the one, so nothing is
//! reported for it. Buckets with `WebsiteConfiguration` are skipped: S3 website
//! endpoints only speak HTTP, and such a deny would take the site down.
//!
//! ## Why is this bad?
//! S3 accepts HTTP as well as HTTPS. Without the deny, a misconfigured client, SDK or
//! proxy can send credentials-signed requests and object data in clear text, where they
//! can be read or altered on the network. The bucket policy is the only place that
//! enforces TLS for every caller, whatever IAM grants them.
//!
//! ## Severity
//! MEDIUM: exploiting it needs a client that actually uses HTTP and an attacker on the
//! network path, but the exposure is the bucket's data in transit and it is a standard
//! compliance control (AWS Foundational Security Best Practices S3.5).
//!
//! ## Example
//! ```yaml
//! Data:
//!   Type: AWS::S3::Bucket
//! ```
//!
//! Use instead:
//! ```yaml
//! DataPolicy:
//!   Type: AWS::S3::BucketPolicy
//!   Properties:
//!     Bucket: !Ref Data
//!     PolicyDocument:
//!       Statement:
//!         - Sid: DenyInsecureTransport
//!           Effect: Deny
//!           Principal: "*"
//!           Action: s3:*
//!           Resource: [!GetAtt Data.Arn, !Sub "${Data.Arn}/*"]
//!           Condition:
//!             Bool: {aws:SecureTransport: false}
//! ```
//!
//! ## References
//! - [What S3 bucket policy should I use to comply with the AWS Config rule s3-bucket-ssl-requests-only?](https://repost.aws/knowledge-center/s3-bucket-policy-for-config-rule)
//! - [AWS Foundational Security Best Practices: S3.5](https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html#s3-5)
//! - [CWE-319](https://cwe.mitre.org/data/definitions/319.html)

use crate::model::{Finding, Severity};
use crate::rules::props::{self, Flag, Names};
use crate::rules::{Check, Ctx, Rule};
use crate::template::node::{Kind, Node};
use crate::template::{Resource, Template};

pub const RULE: Rule = Rule {
    id: "S3004",
    name: "s3-no-tls-only-policy",
    title: "S3 bucket does not deny requests without TLS",
    family: "S3",
    severity: Severity::Medium,
    remediation: "Add an AWS::S3::BucketPolicy for the bucket with a statement Effect: Deny, Principal: \"*\", Action: s3:*, on the bucket and its objects, Condition: Bool: {aws:SecureTransport: false}.",
    source: include_str!("s3_no_tls_only_policy.rs"),
    check: Check::Template(check),
};

/// Does a policy document deny insecure transport? `None`: cannot tell.
fn denies_http(tpl: &Template, doc: &Node) -> Option<bool> {
    let parsed;
    let doc = match &doc.kind {
        Kind::Str(s) if s.trim_start().starts_with('{') => match crate::template::json::parse(s) {
            Ok(n) => {
                parsed = n;
                &parsed
            }
            Err(_) => return None,
        },
        _ => doc,
    };
    let mut unknown = false;
    for alt in props::alternatives(tpl, doc) {
        if props::is_opaque(alt) {
            unknown = true;
            continue;
        }
        let Some(st) = alt.get("Statement") else {
            continue;
        };
        for s in tpl.list_items(st) {
            if props::is_opaque(s) {
                unknown = true;
                continue;
            }
            let effect = s.get("Effect").map(|e| tpl.strings(e)).unwrap_or_default();
            let deny = effect.iter().any(|e| e.as_deref() == Some("Deny"));
            let effect_unknown = effect.iter().any(Option::is_none);
            if !deny && !effect_unknown {
                continue;
            }
            match secure_transport_false(tpl, s.get("Condition")) {
                Some(true) if deny => return Some(true),
                Some(false) => {}
                _ => unknown = true,
            }
        }
    }
    if unknown { None } else { Some(false) }
}

/// Whether a `Condition` block tests `aws:SecureTransport` for `false`.
fn secure_transport_false(tpl: &Template, cond: Option<&Node>) -> Option<bool> {
    let Some(cond) = cond else {
        return Some(false);
    };
    if props::is_opaque(cond) {
        return None;
    }
    let mut unknown = false;
    for op in cond.as_map().unwrap_or_default() {
        if !(op.key.eq_ignore_ascii_case("Bool") || op.key.eq_ignore_ascii_case("BoolIfExists")) {
            continue;
        }
        for k in op.value.as_map().unwrap_or_default() {
            if !k.key.eq_ignore_ascii_case("aws:SecureTransport") {
                continue;
            }
            for v in tpl.list_items(&k.value) {
                match props::flag(tpl, Some(v)) {
                    Flag::False => return Some(true),
                    Flag::Unknown => unknown = true,
                    Flag::True | Flag::Absent => {}
                }
            }
        }
    }
    if unknown { None } else { Some(false) }
}

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let tpl = ctx.tpl;
    let policies: Vec<(&Resource, Option<bool>)> = tpl
        .resources
        .iter()
        .filter(|r| r.ty == "AWS::S3::BucketPolicy")
        .map(|p| {
            (
                p,
                p.prop("PolicyDocument").and_then(|d| denies_http(tpl, d)),
            )
        })
        .collect();
    for b in super::buckets(tpl) {
        if super::is_website(tpl, b) {
            continue;
        }
        let mut own = None;
        let mut covered = false;
        for (p, denies) in &policies {
            let names = p
                .prop("Bucket")
                .map(|n| props::names_bucket(tpl, n, b))
                .unwrap_or(Names::Unknown);
            match (names, denies) {
                (Names::No, _) => {}
                (Names::Yes, Some(false)) => {
                    own.get_or_insert(*p);
                }
                (Names::Unknown, Some(false)) => {}
                (Names::Yes | Names::Unknown, _) => covered = true,
            }
        }
        if covered {
            continue;
        }
        let f = match own {
            Some(p) => {
                let (line, col) = p
                    .props()
                    .and_then(|pr| props::key_at(pr, "PolicyDocument"))
                    .unwrap_or_else(|| props::missing_at(p));
                ctx.finding_at(
                    &RULE,
                    &b.id,
                    line,
                    col,
                    p.path("Properties.PolicyDocument"),
                    format!(
                        "Bucket policy {} does not deny requests to bucket {} without TLS (aws:SecureTransport false).",
                        p.id, b.id
                    ),
                )
            }
            None => {
                let (line, col) = props::missing_at(b);
                ctx.finding_at(
                    &RULE,
                    &b.id,
                    line,
                    col,
                    b.path(""),
                    format!(
                        "Bucket {} has no bucket policy denying requests without TLS: it accepts plain HTTP.",
                        b.id
                    ),
                )
            }
        };
        out.push(f);
    }
}
