//! Small helpers for rules that judge resource properties (S3, KMS, DDB families).
//!
//! The conventions they encode: a value that cannot be resolved is unknown and never
//! produces a finding on its own; a known bad value in any `Fn::If` branch does; a branch
//! that is `AWS::NoValue` is an explicit choice of the author and is not a finding by itself.

use crate::template::node::Node;
use crate::template::{Resource, Template};

/// What a boolean property says, across every value it may take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flag {
    /// Not written (or only `AWS::NoValue`).
    Absent,
    /// `false` in at least one branch.
    False,
    /// Only `true`.
    True,
    /// Cannot be resolved (a parameter without a default, an import, ...).
    Unknown,
}

/// Reads a boolean property; `false` in any branch wins, then unknown, then `true`.
pub fn flag(tpl: &Template, node: Option<&Node>) -> Flag {
    let Some(node) = node else {
        return Flag::Absent;
    };
    let values = tpl.strings(node);
    let known = |b: &str| {
        values
            .iter()
            .any(|v| v.as_deref().is_some_and(|s| s.eq_ignore_ascii_case(b)))
    };
    if known("false") {
        Flag::False
    } else if values
        .iter()
        .any(|v| !v.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("true")))
    {
        Flag::Unknown
    } else if known("true") {
        Flag::True
    } else {
        Flag::Absent
    }
}

/// Whether a string property is set to something: a non-empty literal, or a value we
/// cannot resolve (which may well be set). `""` and `AWS::NoValue` are not set.
pub fn is_set(tpl: &Template, node: Option<&Node>) -> bool {
    node.is_some_and(|n| {
        tpl.strings(n)
            .iter()
            .any(|v| v.as_deref().is_none_or(|s| !s.trim().is_empty()))
    })
}

/// The alternatives of a mapping-valued property: `Fn::If` branches flattened,
/// `AWS::NoValue` dropped. A value that is some other intrinsic is returned as is
/// (see [`is_opaque`]).
pub fn alternatives<'a>(tpl: &Template, node: &'a Node) -> Vec<&'a Node> {
    if node.as_seq().is_some() {
        return vec![node];
    }
    tpl.list_items(node)
}

/// A value we cannot look into: an intrinsic other than `Fn::If`, or not a mapping.
pub fn is_opaque(node: &Node) -> bool {
    node.intrinsic().is_some() || node.as_map().is_none()
}

/// Line and column for a finding about a property that is missing: the resource's
/// `Properties` key, or its `Type` key when it has no properties.
pub fn missing_at(r: &Resource) -> (usize, usize) {
    r.node
        .entry("Properties")
        .or_else(|| r.node.entry("Type"))
        .map(|e| (e.key_line, e.key_col))
        .unwrap_or((r.node.line, r.node.col))
}

/// Line and column of a key inside a mapping (the key itself, not its value).
pub fn key_at(map: &Node, key: &str) -> Option<(usize, usize)> {
    map.entry(key).map(|e| (e.key_line, e.key_col))
}

/// Does `node` (a bucket name or reference) name `bucket`?
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Names {
    Yes,
    No,
    Unknown,
}

/// Whether a value names the bucket `bucket`: `!Ref Bucket`, `!GetAtt Bucket.*`, or a
/// literal equal to the bucket's `BucketName`.
pub fn names_bucket(tpl: &Template, node: &Node, bucket: &Resource) -> Names {
    if let Some(r) = tpl.referenced_resource(node) {
        return if r.id == bucket.id {
            Names::Yes
        } else {
            Names::No
        };
    }
    let names: Vec<String> = bucket
        .prop("BucketName")
        .map(|n| tpl.strings(n).into_iter().flatten().collect())
        .unwrap_or_default();
    let values = tpl.strings(node);
    if values.iter().flatten().any(|v| {
        let v = v.strip_prefix("arn:aws:s3:::").unwrap_or(v);
        let v = v.strip_suffix(".s3.amazonaws.com").unwrap_or(v);
        names.iter().any(|n| n == v)
    }) {
        Names::Yes
    } else if values.iter().any(Option::is_none) {
        Names::Unknown
    } else {
        Names::No
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::parse_bytes;

    fn t(src: &str) -> Template {
        Template::from_node("t.yaml", parse_bytes(src.as_bytes()).unwrap()).unwrap()
    }

    #[test]
    fn flags_and_set_values() {
        let tpl = t(
            "Parameters:\n  P:\n    Type: String\n  D:\n    Type: String\n    Default: 'false'\nResources:\n  R:\n    Type: AWS::X::Y\n    Properties:\n      A: true\n      B: !If [C, true, false]\n      U: !Ref P\n      F: !Ref D\n      N: !If [C, true, !Ref AWS::NoValue]\n      O: !Ref AWS::NoValue\n      E: ''\n      K: !ImportValue k\n",
        );
        let r = tpl.resource("R").unwrap();
        let f = |k: &str| flag(&tpl, r.prop(k));
        assert_eq!(f("A"), Flag::True);
        assert_eq!(f("B"), Flag::False);
        assert_eq!(f("U"), Flag::Unknown);
        assert_eq!(f("F"), Flag::False);
        assert_eq!(f("N"), Flag::True);
        assert_eq!(f("O"), Flag::Absent);
        assert_eq!(f("Missing"), Flag::Absent);
        assert!(!is_set(&tpl, r.prop("E")));
        assert!(!is_set(&tpl, r.prop("O")));
        assert!(is_set(&tpl, r.prop("K")));
        assert!(is_set(&tpl, r.prop("U")));
    }

    #[test]
    fn bucket_names() {
        let tpl = t(
            "Parameters:\n  P:\n    Type: String\nResources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Sub '${AWS::StackName}-logs'\n  C:\n    Type: AWS::S3::Bucket\n  X:\n    Type: AWS::X::Y\n    Properties:\n      R: !Ref B\n      S: stack-logs\n      T: !Ref C\n      U: !Ref P\n      V: other\n",
        );
        let b = tpl.resource("B").unwrap();
        let x = tpl.resource("X").unwrap();
        let n = |k: &str| names_bucket(&tpl, x.prop(k).unwrap(), b);
        assert_eq!(n("R"), Names::Yes);
        assert_eq!(n("S"), Names::Yes);
        assert_eq!(n("T"), Names::No);
        assert_eq!(n("U"), Names::Unknown);
        assert_eq!(n("V"), Names::No);
    }
}
