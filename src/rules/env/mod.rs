pub mod hardcoded_secret_in_source;
pub mod known_format_credential;
pub mod literal_password_property;
pub mod secret_in_userdata;
pub mod secret_named_literal;
pub mod secret_parameter_without_noecho;

use crate::template::Template;
use crate::template::node::{Kind, Node};

/// A place in a template where a secret may be written as a literal.
pub struct SecretSite {
    pub resource_id: String,
    pub name: String,
    /// The literal text (for `Fn::Sub`, its template string).
    pub text: String,
    pub node: Node,
    pub path: String,
    /// "Environment variable" or "Parameter".
    pub what: &'static str,
}

/// Function environment variables (Globals merged) and Parameter defaults.
pub fn sites(tpl: &Template) -> Vec<SecretSite> {
    let mut out = Vec::new();
    for r in tpl.resources.iter().filter(|r| r.is_function()) {
        let Some(vars) = r
            .props()
            .and_then(|p| p.get_path(&["Environment", "Variables"]))
        else {
            continue;
        };
        for e in vars.as_map().unwrap_or_default() {
            if let Some(text) = literal_text(&e.value) {
                out.push(SecretSite {
                    resource_id: r.id.clone(),
                    name: e.key.clone(),
                    text,
                    node: e.value.clone(),
                    path: r.path(&format!("Properties.Environment.Variables.{}", e.key)),
                    what: "Environment variable",
                });
            }
        }
    }
    if let Some(params) = tpl.root.get("Parameters").and_then(|p| p.as_map()) {
        for p in params {
            if let Some(d) = p.value.get("Default")
                && let Some(text) = literal_text(d)
            {
                out.push(SecretSite {
                    resource_id: p.key.clone(),
                    name: p.key.clone(),
                    text,
                    node: d.clone(),
                    path: format!("Parameters.{}.Default", p.key),
                    what: "Parameter",
                });
            }
        }
    }
    out
}

/// Literal strings, and the template string of `Fn::Sub` (its literal parts can hold secrets).
fn literal_text(n: &Node) -> Option<String> {
    match &n.kind {
        Kind::Str(s) => Some(s.clone()),
        _ => match n.intrinsic() {
            Some(("Fn::Sub", arg)) => match &arg.kind {
                Kind::Str(s) => Some(s.clone()),
                Kind::Seq(items) => items.first()?.as_str().map(str::to_string),
                _ => None,
            },
            _ => None,
        },
    }
}
