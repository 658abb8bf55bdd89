//! Helpers shared by the ATH detections: policy documents as CloudTrail logs them.

use serde_json::Value;

/// Decodes `%XX` escapes (and `+` as space), as IAM logs `policyDocument` URL-encoded.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                match u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz"), 16)
                {
                    Ok(v) => {
                        out.push(v);
                        i += 3;
                        continue;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A policy document field: a JSON object, a JSON string, or a URL-encoded JSON string.
pub fn document(v: Option<&Value>) -> Option<Value> {
    match v? {
        Value::Object(_) => v.cloned(),
        Value::String(s) => {
            let t = s.trim();
            serde_json::from_str::<Value>(t)
                .ok()
                .or_else(|| serde_json::from_str(&percent_decode(t)).ok())
                .filter(Value::is_object)
        }
        _ => None,
    }
}

/// The `Statement` entries of a policy (a single object or an array).
pub fn statements(doc: &Value) -> Vec<&Value> {
    match doc.get("Statement") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(o @ Value::Object(_)) => vec![o],
        _ => Vec::new(),
    }
}

/// String values of a field that may be a string or an array of strings.
pub fn strings(v: Option<&Value>) -> Vec<&str> {
    match v {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// True when a statement is `Effect: Allow` (the default when absent is not allowed by IAM,
/// but a missing Effect is treated as Allow so garbage never hides a grant).
pub fn allows(st: &Value) -> bool {
    st.get("Effect").and_then(Value::as_str) != Some("Deny")
}

/// Who a statement grants to: `["*"]` for `Principal: "*"` or an Allow with `NotPrincipal`
/// (everyone but the listed), else the `AWS` principals (strings or arrays). `Service`,
/// `Federated` and `CanonicalUser` principals are not returned.
pub fn aws_principals(st: &Value) -> Vec<&str> {
    if st.get("NotPrincipal").is_some_and(|v| !v.is_null()) {
        return vec!["*"];
    }
    match st.get("Principal") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Object(o)) => strings(o.get("AWS")),
        _ => Vec::new(),
    }
}

/// The account of an `AWS` principal: a bare 12-digit id or the account field of an ARN.
pub fn principal_account(p: &str) -> Option<&str> {
    let acct = if p.starts_with("arn:") {
        p.split(':').nth(4)?
    } else {
        p
    };
    (acct.len() == 12 && acct.bytes().all(|b| b.is_ascii_digit())).then_some(acct)
}

/// True when the statement's `Condition` constrains one of `keys` (condition key names,
/// compared case-insensitively, any operator) to at least one value other than `*`.
pub fn restricted_by(st: &Value, keys: &[&str]) -> bool {
    let Some(Value::Object(ops)) = st.get("Condition") else {
        return false;
    };
    ops.values()
        .filter_map(Value::as_object)
        .flat_map(|m| m.iter())
        .any(|(k, v)| {
            keys.iter().any(|want| want.eq_ignore_ascii_case(k))
                && match v {
                    Value::String(s) => s != "*",
                    Value::Array(a) => a.iter().any(|x| x.as_str().is_some_and(|s| s != "*")),
                    Value::Bool(_) | Value::Number(_) => true,
                    _ => false,
                }
        })
}

/// Case-insensitive IAM wildcard match (`*` any run, `?` one character).
pub fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_ascii_lowercase().chars().collect();
    let t: Vec<char> = text.to_ascii_lowercase().chars().collect();
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// True when the statement's `Action` covers `action` (an absent Action or a `NotAction`
/// counts as covering it, so garbage never hides a grant).
pub fn covers_action(st: &Value, action: &str) -> bool {
    let acts = strings(st.get("Action"));
    acts.is_empty() || acts.iter().any(|a| glob(a, action))
}

/// A JSON `false` or the string `"false"` (S3 logs booleans either way).
pub fn is_false(v: Option<&Value>) -> bool {
    match v {
        Some(Value::Bool(b)) => !b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("false"),
        _ => false,
    }
}

/// Runs a fresh detector over records (test helper; odd records included).
#[cfg(test)]
pub fn run(
    mut d: Box<dyn crate::hunt::detect::Detector>,
    records: &str,
    ctx: &crate::hunt::detect::HuntContext,
) -> Vec<crate::model::Finding> {
    let v: Value = serde_json::from_str(records).expect("test records");
    let mut out = Vec::new();
    for (i, r) in v.as_array().into_iter().flatten().enumerate() {
        let raw = r.to_string();
        let Ok(record) = crate::hunt::detect::Record::index(&raw) else {
            continue; // not an object: the engine reports those and detectors never see them
        };
        let e = crate::hunt::detect::Event {
            record: &record,
            raw: &raw,
            file: "t.json",
            line: i + 1,
        };
        d.on_event(&e, ctx, &mut out);
    }
    d.finish(ctx, &mut out);
    out
}

/// Records with null, missing and mistyped fields every detector must survive.
#[cfg(test)]
pub const ODD: &str = r#"[
 {},
 {"eventName": null, "userIdentity": null, "requestParameters": null},
 {"eventName": "ConsoleLogin", "userIdentity": 5, "additionalEventData": "x", "responseElements": [1]},
 {"eventName": "PutUserPolicy", "requestParameters": {"policyDocument": 7}},
 {"eventName": "CreatePolicy", "requestParameters": {"policyDocument": "%7B%22Statement%22%3A5%7D"}},
 {"eventName": "AttachRolePolicy", "requestParameters": {"policyArn": ["x"]}},
 {"eventName": "UpdateTrail", "requestParameters": {"isMultiRegionTrail": "false"}},
 {"eventName": "PutEventSelectors", "requestParameters": {"eventSelectors": {"a": 1}}},
 {"eventName": "UpdateDetector", "requestParameters": {"enable": null}},
 {"eventName": "AuthorizeSecurityGroupIngress", "requestParameters": {"ipPermissions": {"items": [{"ipRanges": {"items": [{"cidrIp": 0}]}}, null]}}},
 {"eventName": "PutBucketPolicy", "requestParameters": {"bucketPolicy": {"Statement": [null, {"Principal": 3}]}}},
 {"eventName": "PutBucketAcl", "requestParameters": {"AccessControlPolicy": {"AccessControlList": {"Grant": 4}}}},
 {"eventName": "PutPublicAccessBlock", "requestParameters": {"PublicAccessBlockConfiguration": "no"}},
 {"eventName": "UpdateAssumeRolePolicy", "requestParameters": {"policyDocument": "{\"Statement\":[{\"Principal\":{\"AWS\":5}}]}"}}
]"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_plain_and_url_encoded_documents() {
        let plain = Value::String(r#"{"Statement":{"Effect":"Allow","Action":"*"}}"#.into());
        let enc = Value::String("%7B%22Statement%22%3A%7B%22Action%22%3A%22%2A%22%7D%7D".into());
        assert!(document(Some(&plain)).is_some());
        let d = document(Some(&enc)).unwrap();
        assert_eq!(statements(&d).len(), 1);
        assert!(document(Some(&Value::from(3))).is_none());
        assert!(document(Some(&Value::String("%zz%".into()))).is_none());
        assert_eq!(percent_decode("%4"), "%4");
    }

    #[test]
    fn principals_conditions_and_globs() {
        let st: Value = serde_json::from_str(
            r#"{"Principal":{"AWS":["arn:aws:iam::123456789012:root","444455556666"]},
                "Condition":{"StringEquals":{"sts:ExternalId":"x","aws:SourceIp":"*"}}}"#,
        )
        .unwrap();
        let p = aws_principals(&st);
        assert_eq!(p.len(), 2);
        assert_eq!(principal_account(p[0]), Some("123456789012"));
        assert_eq!(principal_account(p[1]), Some("444455556666"));
        assert_eq!(principal_account("*"), None);
        assert!(restricted_by(&st, &["STS:externalid"]));
        assert!(!restricted_by(&st, &["aws:SourceIp"]));
        assert!(glob("sts:Assume*", "sts:AssumeRole"));
        assert!(glob("*", "sts:AssumeRole"));
        assert!(glob("s?s:*", "sts:AssumeRole"));
        assert!(!glob("sts:TagSession", "sts:AssumeRole"));
        assert!(!glob("sts:AssumeRole?", "sts:AssumeRole"));
        let np: Value = serde_json::from_str(r#"{"NotPrincipal":{"AWS":"x"}}"#).unwrap();
        assert_eq!(aws_principals(&np), vec!["*"]);
        assert!(is_false(Some(&Value::String("FALSE".into()))));
        assert!(!is_false(Some(&Value::from(0))));
    }
}
