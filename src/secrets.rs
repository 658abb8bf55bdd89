//! Secret detection shared by template and source rules. Never returns a value, only spans.

use crate::model::Severity;
use regex::Regex;
use std::sync::LazyLock;

pub use crate::model::mask;

pub struct SecretMatch {
    pub kind: &'static str,
    pub start: usize,
    pub end: usize,
}

static FORMATS: LazyLock<Vec<(&'static str, Regex)>> =
    LazyLock::new(|| {
        [
        ("AWS access key id", r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b"),
        (
            "private key",
            r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----",
        ),
        ("GitHub token", r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b"),
        ("GitHub fine-grained token", r"\bgithub_pat_[A-Za-z0-9_]{82}\b"),
        ("GitLab token", r"\bglpat-[A-Za-z0-9_\-]{20}\b"),
        ("Slack token", r"\bxox[abposr]-[0-9A-Za-z\-]{10,}"),
        (
            "Slack webhook",
            r"https://hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]{20,}",
        ),
        ("Stripe live key", r"\b(?:sk|rk)_live_[0-9A-Za-z]{20,}\b"),
        ("Google API key", r"\bAIza[0-9A-Za-z_\-]{35}\b"),
        ("SendGrid API key", r"\bSG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43}\b"),
        ("Twilio API key", r"\bSK[0-9a-f]{32}\b"),
        ("npm token", r"\bnpm_[A-Za-z0-9]{36}\b"),
        ("OpenAI API key", r"\bsk-(?:proj-)?[A-Za-z0-9_\-]{20,}T3BlbkFJ[A-Za-z0-9_\-]{20,}\b"),
        ("Anthropic API key", r"\bsk-ant-[A-Za-z0-9_\-]{32,}\b"),
        (
            "JSON web token",
            r"\beyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,}",
        ),
        (
            "AWS secret access key",
            r#"(?i)aws_?secret_?(?:access_?)?key["']?\s*[:=]\s*["']?([A-Za-z0-9/+]{40})\b"#,
        ),
        (
            "credentials in URL",
            r"\b[a-z][a-z0-9+.\-]*://[^\s:/@]{1,64}:([^\s:/@]{4,128})@[^\s/]+",
        ),
    ]
    .into_iter()
    .map(|(k, r)| (k, Regex::new(r).expect("static regex")))
    .collect()
    });

/// Documented example values and obvious placeholders are never secrets.
pub fn is_placeholder(value: &str) -> bool {
    let v = value.trim();
    let lower = v.to_ascii_lowercase();
    const EXACT: &[&str] = &[
        "akiaiosfodnn7example",
        "wjalrxutnfemi/k7mdeng/bpxrficyexamplekey",
        "changeme",
        "change_me",
        "change-me",
        "password",
        "secret",
        "token",
        "none",
        "null",
        "placeholder",
        "replace_me",
        "replaceme",
        "todo",
        "tbd",
        "dummy",
        "example",
        "redacted",
        "your-api-key",
        "your_api_key",
    ];
    if EXACT.contains(&lower.as_str()) {
        return true;
    }
    if lower.contains("example")
        || lower.contains("changeme")
        || lower.contains("placeholder")
        || lower.contains("dummy")
        || lower.contains("replace")
        || lower.contains("your_")
        || lower.contains("your-")
        || lower.contains("redacted")
    {
        return true;
    }
    // <secret>, ${VAR}, {{resolve:...}}, %(x)s, xxxx, ****
    if (v.starts_with('<') && v.ends_with('>'))
        || v.starts_with("${")
        || v.contains("{{resolve:")
        || v.starts_with("$(")
    {
        return true;
    }
    let distinct: std::collections::HashSet<char> = v.chars().collect();
    distinct.len() <= 2
}

/// Known credential formats in `text`, placeholders excluded.
pub fn known_formats(text: &str) -> Vec<SecretMatch> {
    let mut out = Vec::new();
    for (kind, re) in FORMATS.iter() {
        for caps in re.captures_iter(text) {
            let m = caps.get(1).or_else(|| caps.get(0)).expect("group 0");
            let whole = caps.get(0).expect("group 0").as_str();
            if is_placeholder(m.as_str()) || is_placeholder(whole) {
                continue;
            }
            if *kind == "credentials in URL"
                && (m.as_str().starts_with('$') || m.as_str().starts_with('{'))
            {
                continue;
            }
            out.push(SecretMatch {
                kind,
                start: m.start(),
                end: m.end(),
            });
        }
    }
    out.sort_by_key(|m| (m.start, m.end));
    out.dedup_by(|b, a| b.start < a.end);
    out
}

const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "passphrase",
    "secret",
    "token",
    "apikey",
    "api_key",
    "accesskey",
    "access_key",
    "privatekey",
    "private_key",
    "credential",
    "credentials",
    "auth",
    "signingkey",
    "signing_key",
    "clientsecret",
    "client_secret",
    "connectionstring",
    "connection_string",
    "dsn",
    "webhook",
];

/// Suffixes that name a reference to a secret, not the secret itself.
const REFERENCE_SUFFIXES: &[&str] = &[
    "arn",
    "name",
    "names",
    "id",
    "ids",
    "param",
    "parameter",
    "path",
    "url",
    "uri",
    "endpoint",
    "ttl",
    "length",
    "len",
    "expiry",
    "expiration",
    "expires",
    "timeout",
    "type",
    "header",
    "field",
    "key_id",
    "keyid",
    "file",
    "prefix",
    "version",
    "policy",
    "region",
    "enabled",
    "count",
    "size",
    "mode",
    "ref",
    "location",
    "source",
    "secret_id",
    "secretid",
    "kms",
];

/// Whether an identifier names a secret (`DB_PASSWORD`, `apiKey`, `SLACK_TOKEN`),
/// but not a reference to one (`DB_PASSWORD_ARN`, `TOKEN_URL`, `SECRET_NAME`).
pub fn is_secret_name(name: &str) -> bool {
    let snake = to_snake(name);
    let compact = snake.replace('_', "");
    let has_word = SECRET_WORDS
        .iter()
        .any(|w| snake.contains(w) || compact.contains(&w.replace('_', "")));
    if !has_word {
        return false;
    }
    if snake == "auth" || snake.starts_with("author") || snake.contains("oauth_url") {
        return false;
    }
    let last = snake.rsplit('_').next().unwrap_or("");
    let last_two = snake
        .rsplitn(3, '_')
        .take(2)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect::<Vec<_>>()
        .join("_");
    !(REFERENCE_SUFFIXES.contains(&last) || REFERENCE_SUFFIXES.contains(&last_two.as_str()))
}

fn to_snake(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            if prev_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = false;
        } else if c == '-' || c == '.' || c == ' ' {
            out.push('_');
            prev_lower = false;
        } else {
            out.push(c);
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        }
    }
    out
}

pub fn shannon_entropy(s: &str) -> f64 {
    let mut counts = [0usize; 256];
    let mut n = 0usize;
    for b in s.bytes() {
        counts[b as usize] += 1;
        n += 1;
    }
    if n == 0 {
        return 0.0;
    }
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n as f64;
            -p * p.log2()
        })
        .sum()
}

/// For a literal held by a secret-named variable: `None` when the value cannot be a
/// secret (reference, placeholder, number, flag, path), else how sure we are.
pub fn literal_secret_severity(value: &str) -> Option<Severity> {
    let v = value.trim();
    if v.len() < 6 || is_placeholder(v) {
        return None;
    }
    let lower = v.to_ascii_lowercase();
    if v.parse::<f64>().is_ok()
        || ["true", "false", "yes", "no", "on", "off"].contains(&lower.as_str())
    {
        return None;
    }
    if v.starts_with("arn:")
        || v.starts_with('/') && !v.contains(' ') && v.matches('/').count() >= 2
        || v.starts_with("ssm:")
        || v.starts_with("secretsmanager:")
        || v.starts_with("resolve:")
        || v.starts_with("http://") && !v.contains('@')
        || v.starts_with("https://") && !v.contains('@')
        || v.contains(' ') && v.split_whitespace().count() > 3
        || v.contains("${")
        || v.starts_with('!')
    {
        return None;
    }
    // Identifier-looking words (`my-db-user`, `prod_secret_name`) are names, not secrets.
    let letters_only = v
        .chars()
        .all(|c| c.is_ascii_lowercase() || c == '-' || c == '_' || c == '.');
    if letters_only && v.len() < 24 {
        return None;
    }
    let entropy = shannon_entropy(v);
    let classes = [
        v.chars().any(|c| c.is_ascii_lowercase()),
        v.chars().any(|c| c.is_ascii_uppercase()),
        v.chars().any(|c| c.is_ascii_digit()),
        v.chars().any(|c| !c.is_ascii_alphanumeric()),
    ]
    .iter()
    .filter(|&&b| b)
    .count();
    if v.len() >= 16 && entropy >= 3.5 && classes >= 2 {
        Some(Severity::High)
    } else if entropy >= 2.5 && classes >= 2 {
        Some(Severity::Medium)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_formats_and_placeholders() {
        let m = known_formats("key = AKIA2E0A8F3B244C9986 and AKIAIOSFODNN7EXAMPLE");
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].kind, "AWS access key id");
        assert!(!known_formats("-----BEGIN RSA PRIVATE KEY-----\nMII").is_empty());
        assert!(!known_formats("ghp_0123456789abcdefABCDEF0123456789abcd").is_empty());
        assert!(!known_formats("postgres://app:s3cr3tP4ss@db.internal:5432/x").is_empty());
        assert!(known_formats("postgres://app:${DbPassword}@db/x").is_empty());
        assert!(known_formats("arn:aws:iam::123456789012:role/x").is_empty());
    }

    #[test]
    fn secret_names() {
        for n in [
            "DB_PASSWORD",
            "apiKey",
            "SLACK_TOKEN",
            "client_secret",
            "STRIPE_API_KEY",
            "AuthToken",
        ] {
            assert!(is_secret_name(n), "{n}");
        }
        for n in [
            "DB_PASSWORD_ARN",
            "TOKEN_URL",
            "SECRET_NAME",
            "API_KEY_PARAM",
            "TABLE_NAME",
            "AUTHOR",
            "SECRET_ID",
            "TOKEN_TTL",
        ] {
            assert!(!is_secret_name(n), "{n}");
        }
    }

    #[test]
    fn literal_strength() {
        assert_eq!(
            literal_secret_severity("xK9#mP2$vL8qR4tZ7wN1"),
            Some(Severity::High)
        );
        assert_eq!(
            literal_secret_severity("Summer2024!"),
            Some(Severity::Medium)
        );
        for v in [
            "changeme",
            "/prod/db/password",
            "arn:aws:secretsmanager:us-east-1:1:secret:x",
            "true",
            "12345678",
            "prod-db-password",
            "{{resolve:ssm:/x}}",
            "",
        ] {
            assert_eq!(literal_secret_severity(v), None, "{v}");
        }
    }
}
