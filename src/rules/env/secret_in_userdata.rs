//! ## What it does
//! Flags credentials written into EC2 user data: `UserData` of `AWS::EC2::Instance`,
//! `LaunchTemplateData.UserData` of `AWS::EC2::LaunchTemplate` and `UserData` of
//! `AWS::AutoScaling::LaunchConfiguration`, usually `Fn::Base64` of a `Fn::Sub` or
//! `Fn::Join`. The literal text of the script (substitutions left out) is searched for
//! credentials of a known format (AWS access keys, private keys, GitHub/Slack/Stripe
//! tokens, passwords in URLs) and for assignments of a literal to a secret-like name
//! (`export DB_PASSWORD=...`, `PASSWORD="..."`, `api_key: ...`). Values that expand a
//! variable or a command (`$DB_PASSWORD`, `${DbPassword}`, `$(aws secretsmanager ...)`),
//! references (`*_ARN`, `*_NAME`) and placeholders are not reported. Findings show at
//! most a masked prefix of the value.
//!
//! ## Why is this bad?
//! User data is not secret: it is stored in the template, returned by
//! `ec2:DescribeInstanceAttribute` to anyone with read access to EC2, and served by the
//! instance metadata service to every process on the instance (and to any SSRF that
//! reaches it).
//!
//! ## Severity
//! HIGH: a real credential readable by every process on the host and by every
//! principal that can describe the instance or read the template.
//!
//! ## Example
//! ```yaml
//! UserData:
//!   Fn::Base64: !Sub |
//!     #!/bin/bash
//!     export DB_PASSWORD='h7#Kq9!vRt2@Lm4zX8'
//! ```
//!
//! Use instead:
//! ```yaml
//! UserData:
//!   Fn::Base64: !Sub |
//!     #!/bin/bash
//!     export DB_PASSWORD="$(aws secretsmanager get-secret-value --secret-id ${DbSecret} --query SecretString --output text)"
//! ```
//!
//! ## References
//! - [EC2 instance user data](https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html)
//! - [CWE-798: Use of hard-coded credentials](https://cwe.mitre.org/data/definitions/798.html)

use crate::model::{Finding, Severity, mask};
use crate::rules::{Check, Ctx, Rule};
use crate::secrets::{is_secret_name, known_formats, literal_secret_severity};
use crate::template::Template;
use crate::template::node::{Kind, Node};
use regex::Regex;
use std::sync::LazyLock;

pub const RULE: Rule = Rule {
    id: "ENV005",
    name: "secret-in-userdata",
    title: "Credential hard-coded in EC2 user data",
    family: "ENV",
    severity: Severity::High,
    remediation: "Fetch the secret at boot from Secrets Manager or SSM SecureString with the instance role; rotate the exposed value.",
    source: include_str!("secret_in_userdata.rs"),
    check: Check::Template(check),
};

/// `NAME=value`, `export NAME="value"`, `NAME: value`, `"name": "value"`.
static ASSIGNMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?m)(?:^|[\s;,{(])(?:export\s+|set\s+|setx\s+)?["']?([A-Za-z_][A-Za-z0-9_.\-]*)["']?\s*(?:=|:\s)\s*(?:"([^"\n]*)"|'([^'\n]*)'|([^\s"';,}]+))"#,
    )
    .expect("static regex")
});

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let tpl = ctx.tpl;
    for r in &tpl.resources {
        let (node, path) = match r.ty.as_str() {
            "AWS::EC2::Instance" | "AWS::AutoScaling::LaunchConfiguration" => {
                (r.prop("UserData"), "Properties.UserData")
            }
            "AWS::EC2::LaunchTemplate" => (
                r.props()
                    .and_then(|p| p.get_path(&["LaunchTemplateData", "UserData"])),
                "Properties.LaunchTemplateData.UserData",
            ),
            _ => continue,
        };
        let Some(node) = node else { continue };
        let mut texts = Vec::new();
        literal_texts(tpl, node, &mut texts, 0);
        let mut seen = std::collections::HashSet::new();
        for (text, at) in texts {
            for (what, secret, key) in scan(&text) {
                if !seen.insert(key.clone()) {
                    continue;
                }
                let mut f = ctx.finding(
                    &RULE,
                    r,
                    at,
                    r.path(path),
                    format!(
                        "User data of {} holds a hard-coded {what} ({}).",
                        r.id,
                        mask(secret)
                    ),
                );
                f.seal(&key);
                out.push(f);
            }
        }
    }
}

/// (description, the secret, a stable key) for every secret in a script.
fn scan(text: &str) -> Vec<(String, &str, String)> {
    let mut out = Vec::new();
    let known = known_formats(text);
    for m in &known {
        out.push((
            m.kind.to_string(),
            &text[m.start..m.end],
            m.kind.to_string(),
        ));
    }
    for caps in ASSIGNMENT.captures_iter(text) {
        let name = caps.get(1).expect("name").as_str();
        let Some(value) = caps.get(2).or_else(|| caps.get(3)).or_else(|| caps.get(4)) else {
            continue;
        };
        let v = value.as_str();
        if !is_secret_name(name)
            || v.contains(['$', '`', '%'])
            || known
                .iter()
                .any(|k| k.start < value.end() && value.start() < k.end)
            || literal_secret_severity(v).is_none()
        {
            continue;
        }
        out.push((format!("secret in {name}"), v, name.to_string()));
    }
    out
}

/// The literal text of a user-data value: strings, `Fn::Sub` templates and the string
/// parts of `Fn::Join`, through `Fn::Base64` and `Fn::If`.
fn literal_texts<'a>(
    tpl: &Template,
    node: &'a Node,
    out: &mut Vec<(String, &'a Node)>,
    depth: usize,
) {
    if depth > 8 {
        return;
    }
    match &node.kind {
        Kind::Str(s) => out.push((s.clone(), node)),
        Kind::Map(_) => match node.intrinsic() {
            Some(("Fn::Base64", arg)) => literal_texts(tpl, arg, out, depth + 1),
            Some(("Fn::If", arg)) => {
                if let Some([_, a, b]) = arg.as_seq() {
                    literal_texts(tpl, a, out, depth + 1);
                    literal_texts(tpl, b, out, depth + 1);
                }
            }
            Some(("Fn::Sub", arg)) => match &arg.kind {
                Kind::Str(s) => out.push((s.clone(), arg)),
                Kind::Seq(items) => {
                    if let Some(first) = items.first()
                        && let Some(s) = first.as_str()
                    {
                        out.push((s.to_string(), first));
                    }
                }
                _ => {}
            },
            Some(("Fn::Join", arg)) => {
                if let Some([delim, list]) = arg.as_seq() {
                    let delim = delim.as_str().unwrap_or("");
                    let parts: Vec<String> = tpl
                        .list_items(list)
                        .iter()
                        .map(|p| {
                            p.as_str()
                                .map(str::to_string)
                                .unwrap_or_else(|| "${}".into())
                        })
                        .collect();
                    out.push((parts.join(delim), arg));
                }
            }
            _ => {}
        },
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::scan;

    #[test]
    fn assignments_and_formats() {
        let s = "#!/bin/bash\nexport DB_PASSWORD='h7#Kq9!vRt2@Lm4zX8'\nAPI_TOKEN=\"Zq8rT2mW9vL4xK7p\"\n";
        let hits: Vec<String> = scan(s).into_iter().map(|(w, _, _)| w).collect();
        assert_eq!(hits, vec!["secret in DB_PASSWORD", "secret in API_TOKEN"]);
        for ok in [
            "export DB_PASSWORD=\"$(aws secretsmanager get-secret-value --secret-id x)\"",
            "DB_PASSWORD=${DbPassword}",
            "DB_PASSWORD_ARN=arn:aws:secretsmanager:us-east-1:1:secret:x",
            "PASSWORD=changeme",
            "echo $PASSWORD",
        ] {
            assert!(scan(ok).is_empty(), "{ok}");
        }
        assert_eq!(
            scan("aws configure set aws_access_key_id AKIA2E0A8F3B244C9986")[0].0,
            "AWS access key id"
        );
    }
}
