pub mod api_no_access_logging;
pub mod api_route_without_auth;
pub mod api_tls_below_1_2;

use crate::template::node::{Kind, Node};
use crate::template::{Resource, Template};

/// Whether a property is configured: present and not `AWS::NoValue` (a `!If` with a
/// `NoValue` branch counts as configured: that is a deliberate per-environment choice).
pub fn configured(tpl: &Template, n: Option<&Node>) -> bool {
    n.is_some_and(|n| !matches!(n.kind, Kind::Null) && !tpl.list_items(n).is_empty())
}

/// A SAM API implicitly created by function events (`ServerlessRestApi`,
/// `ServerlessHttpApi`): the first event that creates it, and its settings from
/// `Globals` (which SAM applies to it).
pub struct ImplicitApi<'a> {
    pub logical_id: &'static str,
    pub function: &'a Resource,
    pub event: &'a crate::template::node::Entry,
    pub globals: Option<&'a Node>,
}

/// SAM function events of type Api/HttpApi: (function, event entry, is_http).
pub fn api_events(tpl: &Template) -> Vec<(&Resource, &crate::template::node::Entry, bool)> {
    let mut out = Vec::new();
    for f in tpl
        .resources
        .iter()
        .filter(|r| r.ty == "AWS::Serverless::Function")
    {
        let Some(events) = f.prop("Events").and_then(|e| e.as_map()) else {
            continue;
        };
        for e in events {
            match e.value.get("Type").and_then(|t| t.as_str()) {
                Some("Api") => out.push((f, e, false)),
                Some("HttpApi") => out.push((f, e, true)),
                _ => {}
            }
        }
    }
    out
}

/// The implicit APIs the template's events create.
pub fn implicit_apis(tpl: &Template) -> Vec<ImplicitApi<'_>> {
    let mut out: Vec<ImplicitApi> = Vec::new();
    for (f, e, http) in api_events(tpl) {
        let key = if http { "ApiId" } else { "RestApiId" };
        if e.value.get_path(&["Properties", key]).is_some() {
            continue;
        }
        let logical_id = if http {
            "ServerlessHttpApi"
        } else {
            "ServerlessRestApi"
        };
        if out.iter().any(|a| a.logical_id == logical_id) {
            continue;
        }
        out.push(ImplicitApi {
            logical_id,
            function: f,
            event: e,
            globals: tpl
                .root
                .get_path(&["Globals", if http { "HttpApi" } else { "Api" }]),
        });
    }
    out
}
