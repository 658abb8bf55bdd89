//! YAML → [`Node`] with spans, CloudFormation short-form tags, duplicate-key and
//! alias-expansion limits. Built on saphyr-parser's event stream.

use super::node::{Entry, Kind, LoadError, MAX_ALIAS_NODES, MAX_DEPTH, Node, plain_scalar};
use saphyr_parser::{Event, Parser, ScalarStyle, Tag};
use std::collections::{HashMap, HashSet};

const SHORT_FORMS: &[&str] = &[
    "Base64",
    "Cidr",
    "And",
    "Equals",
    "If",
    "Not",
    "Or",
    "FindInMap",
    "GetAtt",
    "GetAZs",
    "ImportValue",
    "Join",
    "Select",
    "Split",
    "Sub",
    "Transform",
    "Length",
    "ToJsonString",
    "ForEach",
];

enum Frame {
    Seq {
        items: Vec<Node>,
        line: usize,
        col: usize,
        tag: Option<String>,
        anchor: usize,
    },
    Map {
        entries: Vec<Entry>,
        seen: HashSet<String>,
        key: Option<(String, usize, usize)>,
        line: usize,
        col: usize,
        tag: Option<String>,
        anchor: usize,
    },
}

struct Builder {
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    alias_nodes: usize,
    root: Option<Node>,
}

fn tag_name(tag: Option<&Tag>) -> Option<String> {
    let t = tag?;
    if t.handle == "!" {
        Some(t.suffix.clone())
    } else if t.handle == "!!" || t.handle == "tag:yaml.org,2002:" {
        Some(format!("!!{}", t.suffix))
    } else {
        Some(format!("{}{}", t.handle, t.suffix))
    }
}

/// Turns `!Ref x` into `{Ref: x}` and `!GetAtt A.B` into `{Fn::GetAtt: [A, B]}`.
fn apply_tag(tag: Option<String>, node: Node) -> Result<Node, LoadError> {
    let Some(tag) = tag else { return Ok(node) };
    let (line, col) = (node.line, node.col);
    let wrap = |key: &str, value: Node| {
        Node::new(
            Kind::Map(vec![Entry {
                key: key.to_string(),
                key_line: line,
                key_col: col,
                value,
            }]),
            line,
            col,
        )
    };
    match tag.as_str() {
        "Ref" => Ok(wrap("Ref", node)),
        "Condition" => Ok(wrap("Condition", node)),
        "GetAtt" => {
            let value = match &node.kind {
                Kind::Str(s) => match s.split_once('.') {
                    Some((a, b)) => Node::new(
                        Kind::Seq(vec![
                            Node::new(Kind::Str(a.to_string()), line, col),
                            Node::new(Kind::Str(b.to_string()), line, col),
                        ]),
                        line,
                        col,
                    ),
                    None => node,
                },
                _ => node,
            };
            Ok(wrap("Fn::GetAtt", value))
        }
        t if SHORT_FORMS.contains(&t) => Ok(wrap(&format!("Fn::{t}"), node)),
        "!!str" => Ok(match node.kind {
            Kind::Number(s) => Node::new(Kind::Str(s), line, col),
            Kind::Bool(b) => Node::new(Kind::Str(b.to_string()), line, col),
            Kind::Null => Node::new(Kind::Str(String::new()), line, col),
            _ => node,
        }),
        t if t.starts_with("!!") => Ok(node),
        other => Err(LoadError::at(
            line,
            col,
            format!(
                "unknown tag !{other} (CloudFormation accepts only its short-form intrinsic tags)"
            ),
        )),
    }
}

impl Builder {
    fn finish(&mut self, node: Node, anchor: usize) -> Result<(), LoadError> {
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => {
                if self.root.is_some() {
                    return Err(LoadError::at(
                        node.line,
                        node.col,
                        "more than one YAML document; a template is a single document",
                    ));
                }
                self.root = Some(node);
            }
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries, seen, key, ..
            }) => match key.take() {
                None => {
                    let k = match node.kind {
                        Kind::Str(s) | Kind::Number(s) => s,
                        Kind::Bool(b) => b.to_string(),
                        Kind::Null => String::new(),
                        _ => {
                            return Err(LoadError::at(
                                node.line,
                                node.col,
                                "mapping keys must be plain scalars",
                            ));
                        }
                    };
                    // Small mappings: a scan is cheaper than hashing every key.
                    let dup = if entries.len() < 16 {
                        entries.iter().any(|e| e.key == k)
                    } else {
                        if seen.is_empty() {
                            seen.extend(entries.iter().map(|e| e.key.clone()));
                        }
                        !seen.insert(k.clone())
                    };
                    if dup {
                        return Err(LoadError::at(
                            node.line,
                            node.col,
                            format!("duplicate key '{k}'"),
                        ));
                    }
                    *key = Some((k, node.line, node.col));
                }
                Some((k, key_line, key_col)) => entries.push(Entry {
                    key: k,
                    key_line,
                    key_col,
                    value: node,
                }),
            },
        }
        Ok(())
    }

    fn push(&mut self, frame: Frame, line: usize, col: usize) -> Result<(), LoadError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(LoadError::at(
                line,
                col,
                format!("nesting deeper than {MAX_DEPTH} levels"),
            ));
        }
        self.stack.push(frame);
        Ok(())
    }
}

pub fn parse(src: &str) -> Result<Node, LoadError> {
    let mut b = Builder {
        stack: Vec::new(),
        anchors: HashMap::new(),
        alias_nodes: 0,
        root: None,
    };
    for item in Parser::new_from_str(src) {
        let (event, span) = item.map_err(|e| {
            LoadError::at(
                e.marker().line(),
                e.marker().col() + 1,
                e.info().to_string(),
            )
        })?;
        let (line, col) = (span.start.line(), span.start.col() + 1);
        match event {
            Event::Scalar(value, style, anchor, tag) => {
                let tag = tag_name(tag.as_deref());
                let kind = if style == ScalarStyle::Plain && tag.is_none() {
                    plain_scalar(&value)
                } else {
                    Kind::Str(value.into_owned())
                };
                let node = apply_tag(tag, Node::new(kind, line, col))?;
                b.finish(node, anchor)?;
            }
            Event::SequenceStart(anchor, tag) => {
                let tag = tag_name(tag.as_deref());
                b.push(
                    Frame::Seq {
                        items: Vec::new(),
                        line,
                        col,
                        tag,
                        anchor,
                    },
                    line,
                    col,
                )?;
            }
            Event::MappingStart(anchor, tag) => {
                let tag = tag_name(tag.as_deref());
                b.push(
                    Frame::Map {
                        entries: Vec::new(),
                        seen: HashSet::new(),
                        key: None,
                        line,
                        col,
                        tag,
                        anchor,
                    },
                    line,
                    col,
                )?;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, tag, anchor) = match b.stack.pop() {
                    Some(Frame::Seq {
                        items,
                        line,
                        col,
                        tag,
                        anchor,
                    }) => (Node::new(Kind::Seq(items), line, col), tag, anchor),
                    Some(Frame::Map {
                        entries,
                        line,
                        col,
                        tag,
                        anchor,
                        ..
                    }) => (Node::new(Kind::Map(entries), line, col), tag, anchor),
                    None => return Err(LoadError::at(line, col, "unbalanced collection end")),
                };
                let node = apply_tag(tag, node)?;
                b.finish(node, anchor)?;
            }
            Event::Alias(id) => {
                let Some(target) = b.anchors.get(&id) else {
                    return Err(LoadError::at(line, col, "alias to an unknown anchor"));
                };
                b.alias_nodes += target.count();
                if b.alias_nodes > MAX_ALIAS_NODES {
                    return Err(LoadError::at(
                        line,
                        col,
                        format!(
                            "aliases expand to more than {MAX_ALIAS_NODES} nodes (alias bomb?)"
                        ),
                    ));
                }
                let mut node = target.clone();
                node.line = line;
                node.col = col;
                b.finish(node, 0)?;
            }
            Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart(_)
            | Event::DocumentEnd
            | Event::Nothing => {}
        }
    }
    b.root
        .ok_or_else(|| LoadError::whole("empty file: no YAML document"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_forms_become_long_forms_with_spans() {
        let n = parse("A:\n  B: !Sub 'x-${P}'\n  C: !GetAtt Fn.Arn\n  D: !Ref Q\n").unwrap();
        let b = n.get_path(&["A", "B"]).unwrap();
        assert_eq!(b.intrinsic().unwrap().0, "Fn::Sub");
        assert_eq!((b.line, b.col), (2, 6));
        let c = n.get_path(&["A", "C", "Fn::GetAtt"]).unwrap();
        assert_eq!(c.as_seq().unwrap()[1].as_str(), Some("Arn"));
        assert_eq!(n.get_path(&["A", "D", "Ref"]).unwrap().as_str(), Some("Q"));
    }

    #[test]
    fn every_cloudformation_short_form() {
        let src = "a: !Ref X\nb: !Sub s\nc: !GetAtt R.Arn\nd: !If [C, x, y]\ne: !Join ['', [a]]\nf: !Select [0, [a]]\ng: !Split [',', 'a,b']\nh: !FindInMap [M, K, V]\ni: !ImportValue E\nj: !Base64 x\nk: !Cidr [10.0.0.0/16, 4, 8]\nl: !Condition C\nm: !Equals [a, b]\nn: !And [!Condition A, !Condition B]\no: !Or [!Condition A, !Condition B]\np: !Not [!Condition A]\nq: !GetAZs ''\n";
        let n = parse(src).unwrap();
        let expect = [
            ("a", "Ref"),
            ("b", "Fn::Sub"),
            ("c", "Fn::GetAtt"),
            ("d", "Fn::If"),
            ("e", "Fn::Join"),
            ("f", "Fn::Select"),
            ("g", "Fn::Split"),
            ("h", "Fn::FindInMap"),
            ("i", "Fn::ImportValue"),
            ("j", "Fn::Base64"),
            ("k", "Fn::Cidr"),
            ("l", "Condition"),
            ("m", "Fn::Equals"),
            ("n", "Fn::And"),
            ("o", "Fn::Or"),
            ("p", "Fn::Not"),
            ("q", "Fn::GetAZs"),
        ];
        for (key, fun) in expect {
            let v = n.get(key).unwrap();
            assert_eq!(v.intrinsic().map(|(k, _)| k), Some(fun), "{key}");
        }
        assert!(
            parse("a: !Bogus x\n")
                .unwrap_err()
                .message
                .contains("unknown tag")
        );
    }

    #[test]
    fn tagged_sequences_and_maps() {
        let n = parse("X: !If [C, !Ref A, !Ref 'AWS::NoValue']\nY: !Equals [a, b]\n").unwrap();
        let x = n.get("X").unwrap().intrinsic().unwrap();
        assert_eq!(x.0, "Fn::If");
        assert_eq!(x.1.as_seq().unwrap().len(), 3);
    }

    #[test]
    fn duplicate_keys_are_errors_with_line() {
        let e = parse("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(e.message.contains("duplicate key 'a'"));
    }

    #[test]
    fn alias_bomb_is_bounded() {
        let mut s = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        let mut prev = 'a';
        for c in 'b'..='k' {
            s.push_str(&format!(
                "{c}: &{c} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
            prev = c;
        }
        let e = parse(&s).unwrap_err();
        assert!(e.message.contains("alias"), "{}", e.message);
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let s = "[".repeat(10_000);
        assert!(parse(&s).is_err());
    }

    #[test]
    fn empty_and_multi_document() {
        assert!(parse("").unwrap_err().message.contains("empty"));
        assert!(parse("# only a comment\n").is_err());
        assert!(parse("a: 1\n---\nb: 2\n").is_err());
    }

    #[test]
    fn plain_scalars_typed_quoted_stay_strings() {
        let n = parse("a: true\nb: 'true'\nc: 42\nd: \"42\"\n").unwrap();
        assert_eq!(n.get("a").unwrap().kind, Kind::Bool(true));
        assert_eq!(n.get("b").unwrap().kind, Kind::Str("true".into()));
        assert_eq!(n.get("c").unwrap().kind, Kind::Number("42".into()));
        assert_eq!(n.get("d").unwrap().kind, Kind::Str("42".into()));
    }
}
