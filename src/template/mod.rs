//! CloudFormation/SAM templates: span-keeping loading, SAM Globals, intrinsic resolution.

pub mod json;
pub mod node;
pub mod policy;
pub mod sam_policies;
pub mod yaml;

use node::{Entry, Kind, LoadError, Node};

pub struct Resource {
    pub id: String,
    pub ty: String,
    /// The resource after SAM Globals were merged in.
    pub node: Node,
}

impl Resource {
    pub fn props(&self) -> Option<&Node> {
        self.node.get("Properties")
    }
    pub fn prop(&self, key: &str) -> Option<&Node> {
        self.props()?.get(key)
    }
    pub fn path(&self, rest: &str) -> String {
        if rest.is_empty() {
            format!("Resources.{}", self.id)
        } else {
            format!("Resources.{}.{}", self.id, rest)
        }
    }
    pub fn is_function(&self) -> bool {
        self.ty == "AWS::Serverless::Function" || self.ty == "AWS::Lambda::Function"
    }
}

pub struct Template {
    /// Display path (relative to the working directory when possible).
    pub file: String,
    pub root: Node,
    pub resources: Vec<Resource>,
    index: std::collections::HashMap<String, usize>,
    /// `# guardrails:ignore` comments of the file, and the malformed ones.
    pub line_directives: Vec<crate::suppress::LineDirective>,
    pub directive_errors: Vec<crate::model::InputError>,
}

pub const PSEUDO: &[(&str, &str)] = &[
    ("AWS::AccountId", "123456789012"),
    ("AWS::Partition", "aws"),
    ("AWS::Region", "us-east-1"),
    ("AWS::URLSuffix", "amazonaws.com"),
    ("AWS::StackName", "stack"),
    (
        "AWS::StackId",
        "arn:aws:cloudformation:us-east-1:123456789012:stack/stack/id",
    ),
];

/// Possibilities per value are capped: `Fn::If` chains must not explode.
const MAX_ALTERNATIVES: usize = 16;

/// Whether a file's text looks like a CloudFormation template at all.
pub fn looks_like_cloudformation(text: &str) -> bool {
    text.contains("AWSTemplateFormatVersion")
        || (text.contains("Resources") && (text.contains("AWS::") || text.contains("Alexa::")))
}

/// Checks that bytes are text, then parses by extension (JSON if the first
/// non-blank character is `{`).
pub fn parse_bytes(bytes: &[u8]) -> Result<Node, LoadError> {
    if bytes.is_empty() || bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(LoadError::whole("empty file"));
    }
    if bytes.contains(&0) {
        return Err(LoadError::whole("binary file (contains NUL bytes)"));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let upto = &bytes[..e.valid_up_to()];
        let line = upto.iter().filter(|&&b| b == b'\n').count() + 1;
        let col = upto.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
        LoadError::at(line, col, "not valid UTF-8")
    })?;
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('{') {
        json::parse(text)
    } else {
        yaml::parse(text.trim_start_matches('\u{feff}'))
    }
}

impl Template {
    pub fn from_node(file: &str, mut root: Node) -> Result<Template, LoadError> {
        // Resources are moved out of the tree, not copied: templates can be large.
        let (line, col) = (root.line, root.col);
        let Some(res) = (match &mut root.kind {
            Kind::Map(e) => e
                .iter_mut()
                .find(|e| e.key == "Resources")
                .map(|e| &mut e.value),
            _ => None,
        }) else {
            return Err(LoadError::at(line, col, "no Resources section"));
        };
        let (rline, rcol) = (res.line, res.col);
        let entries = match &mut res.kind {
            Kind::Map(entries) => std::mem::take(entries),
            _ => return Err(LoadError::at(rline, rcol, "Resources must be a mapping")),
        };
        let globals = root.get("Globals");
        let mut resources = Vec::with_capacity(entries.len());
        for e in entries {
            let ty = match e.value.get("Type") {
                Some(t) => t.as_str().unwrap_or_default().to_string(),
                None => {
                    return Err(LoadError::at(
                        e.key_line,
                        e.key_col,
                        format!("resource {} has no Type", e.key),
                    ));
                }
            };
            let mut node = e.value;
            if let Some(g) = globals.and_then(|g| g.get(globals_section(&ty)?)) {
                merge_globals(&mut node, g);
            }
            resources.push(Resource {
                id: e.key,
                ty,
                node,
            });
        }
        let index = resources
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.clone(), i))
            .collect();
        Ok(Template {
            file: file.to_string(),
            root,
            resources,
            index,
            line_directives: Vec::new(),
            directive_errors: Vec::new(),
        })
    }

    pub fn parameter(&self, name: &str) -> Option<&Node> {
        self.root.get("Parameters")?.get(name)
    }

    pub fn resource(&self, id: &str) -> Option<&Resource> {
        self.index.get(id).map(|&i| &self.resources[i])
    }

    /// Every string a value may take; `None` stands for a value we cannot know.
    pub fn strings(&self, node: &Node) -> Vec<Option<String>> {
        self.strings_depth(node, 0)
    }

    fn strings_depth(&self, node: &Node, depth: usize) -> Vec<Option<String>> {
        if depth > 16 {
            return vec![None];
        }
        match &node.kind {
            Kind::Str(s) | Kind::Number(s) => vec![Some(s.clone())],
            Kind::Bool(b) => vec![Some(b.to_string())],
            Kind::Null => vec![],
            Kind::Seq(_) => vec![None],
            Kind::Map(_) => match node.intrinsic() {
                Some(("Ref", arg)) => match arg.as_str() {
                    Some(name) => self.ref_strings(name, depth),
                    None => vec![None],
                },
                Some(("Fn::If", arg)) => match arg.as_seq() {
                    Some([_, a, b]) => {
                        let mut v = self.strings_depth(a, depth + 1);
                        v.extend(self.strings_depth(b, depth + 1));
                        v.truncate(MAX_ALTERNATIVES);
                        v
                    }
                    _ => vec![None],
                },
                Some(("Fn::Sub", arg)) => self.sub_strings(arg, depth),
                Some(("Fn::Join", arg)) => match arg.as_seq() {
                    Some([delim, list]) => {
                        let Some(delim) = delim.as_str() else {
                            return vec![None];
                        };
                        let mut acc: Vec<Option<String>> = vec![Some(String::new())];
                        for (i, item) in self.list_items(list).into_iter().enumerate() {
                            let parts = self.strings_depth(item, depth + 1);
                            acc = cross(&acc, &parts, if i == 0 { "" } else { delim });
                        }
                        acc
                    }
                    _ => vec![None],
                },
                Some(("Fn::Select", arg)) => match arg.as_seq() {
                    Some([idx, list]) => {
                        let idx = idx.scalar_text().and_then(|s| s.parse::<usize>().ok());
                        match (idx, list.as_seq()) {
                            (Some(i), Some(items)) if i < items.len() => {
                                self.strings_depth(&items[i], depth + 1)
                            }
                            _ => vec![None],
                        }
                    }
                    _ => vec![None],
                },
                Some(("Fn::FindInMap", arg)) => self.find_in_map(arg, depth),
                _ => vec![None],
            },
        }
    }

    fn ref_strings(&self, name: &str, depth: usize) -> Vec<Option<String>> {
        if name == "AWS::NoValue" {
            return vec![];
        }
        if let Some((_, v)) = PSEUDO.iter().find(|(k, _)| *k == name) {
            return vec![Some(v.to_string())];
        }
        match self.parameter(name).and_then(|p| p.get("Default")) {
            Some(d) => self.strings_depth(d, depth + 1),
            None => vec![None],
        }
    }

    fn sub_strings(&self, arg: &Node, depth: usize) -> Vec<Option<String>> {
        let (text, vars) = match &arg.kind {
            Kind::Str(s) => (s.as_str(), None),
            Kind::Seq(items) if !items.is_empty() => match items[0].as_str() {
                Some(s) => (s, items.get(1)),
                None => return vec![None],
            },
            _ => return vec![None],
        };
        let mut acc: Vec<Option<String>> = vec![Some(String::new())];
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            let lit = &rest[..start];
            acc = cross(&acc, &[Some(lit.to_string())], "");
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                acc = cross(&acc, &[Some(rest[start..].to_string())], "");
                rest = "";
                break;
            };
            let var = &after[..end];
            let parts = if let Some(literal) = var.strip_prefix('!') {
                vec![Some(format!("${{{literal}}}"))]
            } else if let Some(v) = vars.and_then(|m| m.get(var)) {
                self.strings_depth(v, depth + 1)
            } else if var.contains('.') {
                vec![None]
            } else {
                self.ref_strings(var, depth)
            };
            acc = cross(&acc, &parts, "");
            rest = &after[end + 1..];
        }
        cross(&acc, &[Some(rest.to_string())], "")
    }

    fn find_in_map(&self, arg: &Node, depth: usize) -> Vec<Option<String>> {
        let Some([m, k1, k2]) = arg.as_seq() else {
            return vec![None];
        };
        let keys: Vec<Vec<Option<String>>> = [m, k1, k2]
            .iter()
            .map(|n| self.strings_depth(n, depth + 1))
            .collect();
        let mut out = Vec::new();
        for a in &keys[0] {
            for b in &keys[1] {
                for c in &keys[2] {
                    let v = match (a, b, c) {
                        (Some(a), Some(b), Some(c)) => self
                            .root
                            .get_path(&["Mappings", a, b, c])
                            .map(|n| self.strings_depth(n, depth + 1))
                            .unwrap_or_else(|| vec![None]),
                        _ => vec![None],
                    };
                    out.extend(v);
                }
            }
        }
        out.truncate(MAX_ALTERNATIVES);
        out
    }

    /// Items of a list value, with `Fn::If` branches flattened and `AWS::NoValue` dropped.
    pub fn list_items<'a>(&self, node: &'a Node) -> Vec<&'a Node> {
        let mut out = Vec::new();
        self.collect_items(node, &mut out, 0);
        out
    }

    fn collect_items<'a>(&self, node: &'a Node, out: &mut Vec<&'a Node>, depth: usize) {
        if depth > 16 {
            return;
        }
        match &node.kind {
            Kind::Seq(items) => {
                for i in items {
                    self.collect_item(i, out, depth + 1);
                }
            }
            _ => self.collect_item(node, out, depth + 1),
        }
    }

    fn collect_item<'a>(&self, node: &'a Node, out: &mut Vec<&'a Node>, depth: usize) {
        match node.intrinsic() {
            Some(("Fn::If", arg)) => {
                if let Some([_, a, b]) = arg.as_seq() {
                    self.collect_items(a, out, depth);
                    self.collect_items(b, out, depth);
                }
            }
            Some(("Ref", r)) if r.as_str() == Some("AWS::NoValue") => {}
            _ => out.push(node),
        }
    }

    /// Follows `Ref`/`GetAtt` to a resource of this template.
    pub fn referenced_resource(&self, node: &Node) -> Option<&Resource> {
        let id = match node.intrinsic()? {
            ("Ref", arg) => arg.as_str()?.to_string(),
            ("Fn::GetAtt", arg) => match &arg.kind {
                Kind::Seq(items) => items.first()?.as_str()?.to_string(),
                Kind::Str(s) => s.split('.').next()?.to_string(),
                _ => return None,
            },
            _ => return None,
        };
        self.resource(&id)
    }
}

fn cross(acc: &[Option<String>], parts: &[Option<String>], sep: &str) -> Vec<Option<String>> {
    let mut out = Vec::new();
    for a in acc {
        for p in parts {
            out.push(match (a, p) {
                (Some(a), Some(p)) => Some(format!("{a}{sep}{p}")),
                _ => None,
            });
            if out.len() >= MAX_ALTERNATIVES {
                return dedup(out);
            }
        }
    }
    dedup(out)
}

fn dedup(mut v: Vec<Option<String>>) -> Vec<Option<String>> {
    let mut seen = std::collections::HashSet::new();
    v.retain(|x| seen.insert(x.clone()));
    v
}

fn globals_section(ty: &str) -> Option<&'static str> {
    Some(match ty {
        "AWS::Serverless::Function" => "Function",
        "AWS::Serverless::Api" => "Api",
        "AWS::Serverless::HttpApi" => "HttpApi",
        "AWS::Serverless::SimpleTable" => "SimpleTable",
        "AWS::Serverless::StateMachine" => "StateMachine",
        "AWS::Serverless::LayerVersion" => "LayerVersion",
        _ => return None,
    })
}

/// SAM semantics: maps merge, lists are additive (Globals first), scalars in the resource win.
fn merge_globals(resource: &mut Node, globals: &Node) {
    let Some(gentries) = globals.as_map() else {
        return;
    };
    if resource.get("Properties").is_none()
        && let Kind::Map(entries) = &mut resource.kind
    {
        entries.push(Entry {
            key: "Properties".into(),
            key_line: resource.line,
            key_col: resource.col,
            value: Node::new(Kind::Map(vec![]), resource.line, resource.col),
        });
    }
    let Some(props) = (match &mut resource.kind {
        Kind::Map(e) => e
            .iter_mut()
            .find(|e| e.key == "Properties")
            .map(|e| &mut e.value),
        _ => None,
    }) else {
        return;
    };
    for g in gentries {
        merge_value(props, g);
    }
}

fn merge_value(target: &mut Node, g: &Entry) {
    let Kind::Map(entries) = &mut target.kind else {
        return;
    };
    match entries.iter_mut().find(|e| e.key == g.key) {
        None => entries.push(g.clone()),
        Some(existing) => match (
            existing.value.intrinsic().is_none(),
            &mut existing.value.kind,
            &g.value.kind,
        ) {
            (true, Kind::Map(_), Kind::Map(gm)) => {
                for ge in gm {
                    merge_value(&mut existing.value, ge);
                }
            }
            (_, Kind::Seq(items), Kind::Seq(gitems)) => {
                let mut merged = gitems.clone();
                merged.append(items);
                *items = merged;
            }
            _ => {}
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(src: &str) -> Template {
        Template::from_node("t.yaml", parse_bytes(src.as_bytes()).unwrap()).unwrap()
    }

    #[test]
    fn resolves_sub_with_parameter_default() {
        let tpl = t(
            "Parameters:\n  P:\n    Type: String\n    Default: '*'\nResources:\n  R:\n    Type: AWS::S3::Bucket\n    Properties:\n      X: !Sub 'arn:${AWS::Partition}:s3:::${P}'\n      Y: !Sub 'arn:aws:s3:::${R.Arn}'\n      Z: !If [C, a, !Join ['-', [b, !Ref P]]]\n",
        );
        let r = tpl.resource("R").unwrap();
        assert_eq!(
            tpl.strings(r.prop("X").unwrap()),
            vec![Some("arn:aws:s3:::*".into())]
        );
        assert_eq!(tpl.strings(r.prop("Y").unwrap()), vec![None]);
        assert_eq!(
            tpl.strings(r.prop("Z").unwrap()),
            vec![Some("a".into()), Some("b-*".into())]
        );
    }

    #[test]
    fn globals_merge_into_functions() {
        let tpl = t(
            "Globals:\n  Function:\n    Runtime: python3.12\n    Environment:\n      Variables:\n        A: '1'\nResources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.11\n      Environment:\n        Variables:\n          B: '2'\n",
        );
        let f = tpl.resource("F").unwrap();
        assert_eq!(f.prop("Runtime").unwrap().as_str(), Some("python3.11"));
        let vars = f
            .props()
            .unwrap()
            .get_path(&["Environment", "Variables"])
            .unwrap();
        assert!(vars.get("A").is_some() && vars.get("B").is_some());
        // The merged value keeps the line where it is written: in Globals.
        assert_eq!(vars.get("A").unwrap().line, 6);
    }

    #[test]
    fn list_items_flatten_if_and_drop_novalue() {
        let tpl = t(
            "Resources:\n  R:\n    Type: AWS::X::Y\n    Properties:\n      L: [a, !If [C, [b, c], !Ref 'AWS::NoValue'], !Ref 'AWS::NoValue']\n",
        );
        let l = tpl.resource("R").unwrap().prop("L").unwrap();
        let items: Vec<_> = tpl
            .list_items(l)
            .iter()
            .filter_map(|n| n.as_str())
            .collect();
        assert_eq!(items, vec!["a", "b", "c"]);
    }

    #[test]
    fn sniffing() {
        assert!(looks_like_cloudformation(
            "AWSTemplateFormatVersion: '2010-09-09'"
        ));
        assert!(looks_like_cloudformation(
            "Resources:\n  A:\n    Type: AWS::S3::Bucket"
        ));
        assert!(!looks_like_cloudformation("name: ci\non: push"));
    }
}
