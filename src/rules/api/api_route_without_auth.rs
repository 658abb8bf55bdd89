//! ## What it does
//! Flags API Gateway routes that anyone can call without authentication:
//!
//! - `AWS::ApiGateway::Method` with `AuthorizationType: NONE` (or none given, or an
//!   empty value, which mean `NONE`), unless it is an `OPTIONS` (CORS preflight)
//!   method or requires an API key (`ApiKeyRequired: true`);
//! - `AWS::ApiGatewayV2::Route` without `AuthorizationType` or with `NONE` (for
//!   WebSocket APIs only `$connect`, the one route that accepts an authorizer);
//! - SAM `AWS::Serverless::Function` `Events` of type `Api`/`HttpApi` with no
//!   `Auth.Authorizer` (or `Authorizer: NONE`) when the API they attach to
//!   (`RestApiId`/`ApiId`, or the implicit API configured by `Globals`) has no
//!   `Auth.DefaultAuthorizer` (REST APIs: nor `ApiKeyRequired: true`).
//!
//! APIs defined by an OpenAPI `DefinitionBody`/`DefinitionUri`, APIs that are not in
//! the template and values that cannot be resolved are not reported.
//!
//! ## Why is this bad?
//! The backing function (and whatever data its role can reach) is callable by anyone
//! on the internet who finds the URL. Unauthenticated routes are where injection bugs,
//! data scraping and denial-of-wallet attacks start.
//!
//! ## Severity
//! MEDIUM: many APIs have deliberately public routes (health checks, public content,
//! webhooks verified in code), so a route without auth is a review item rather than a
//! proven exposure; the damage depends on what the handler does.
//!
//! ## Example
//! ```yaml
//! GetOrder:
//!   Type: HttpApi
//!   Properties:
//!     Path: /orders/{id}
//!     Method: get
//! ```
//!
//! Use instead:
//! ```yaml
//! GetOrder:
//!   Type: HttpApi
//!   Properties:
//!     ApiId: !Ref OrdersApi   # an HttpApi with Auth.DefaultAuthorizer
//!     Path: /orders/{id}
//!     Method: get
//! ```
//!
//! ## References
//! - [Controlling access to REST APIs](https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-control-access-to-api.html)
//! - [SAM: controlling access to APIs](https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/serverless-controlling-access-to-apis.html)
//! - [OWASP API Security Top 10: API2 Broken authentication](https://owasp.org/API-Security/editions/2023/en/0xa2-broken-authentication/)

use super::{api_events, configured};
use crate::model::{Finding, Severity};
use crate::rules::{Check, Ctx, Rule};
use crate::template::Template;
use crate::template::node::{Kind, Node};

pub const RULE: Rule = Rule {
    id: "API001",
    name: "api-route-without-auth",
    title: "API route without authorization",
    family: "API",
    severity: Severity::Medium,
    remediation: "Add an authorizer (Cognito/JWT, Lambda or AWS_IAM) to the route or a DefaultAuthorizer to the API; mark deliberately public routes with a reviewed suppression.",
    source: include_str!("api_route_without_auth.rs"),
    check: Check::Template(check),
};

fn is_null(n: &Node) -> bool {
    matches!(n.kind, Kind::Null)
}

fn values(tpl: &Template, n: Option<&Node>) -> Vec<Option<String>> {
    n.map(|n| tpl.strings(n)).unwrap_or_default()
}

fn any_is(v: &[Option<String>], want: &str) -> bool {
    v.iter()
        .any(|x| x.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(want)))
}

fn all_are(v: &[Option<String>], want: &str) -> bool {
    !v.is_empty()
        && v.iter()
            .all(|x| x.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(want)))
}

/// Whether a flag may be true (unknown counts as maybe).
fn maybe_true(tpl: &Template, n: Option<&Node>) -> bool {
    n.is_some_and(|n| {
        tpl.strings(n)
            .iter()
            .any(|v| v.as_deref().is_none_or(|v| v.eq_ignore_ascii_case("true")))
    })
}

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let tpl = ctx.tpl;
    for r in &tpl.resources {
        match r.ty.as_str() {
            "AWS::ApiGateway::Method" => {
                if all_are(&values(tpl, r.prop("HttpMethod")), "OPTIONS")
                    || maybe_true(tpl, r.prop("ApiKeyRequired"))
                {
                    continue;
                }
                let at = r.prop("AuthorizationType").filter(|n| !is_null(n));
                if at.is_some() && !any_is(&values(tpl, at), "NONE") {
                    continue;
                }
                let node = at.or_else(|| r.node.get("Type")).unwrap_or(&r.node);
                out.push(ctx.finding(
                    &RULE,
                    r,
                    node,
                    r.path("Properties.AuthorizationType"),
                    format!(
                        "API method {} has AuthorizationType NONE: anyone can call it.",
                        r.id
                    ),
                ));
            }
            "AWS::ApiGatewayV2::Route" => {
                let keys = values(tpl, r.prop("RouteKey"));
                let websocket = r
                    .prop("ApiId")
                    .and_then(|a| tpl.referenced_resource(a))
                    .and_then(|api| api.prop("ProtocolType"))
                    .is_some_and(|p| any_is(&tpl.strings(p), "WEBSOCKET"));
                let Some(Some(key)) = keys.first() else {
                    continue;
                };
                let http_route = key.contains(' ') || key == "$default";
                let checked = if websocket {
                    key == "$connect"
                } else {
                    http_route || key == "$connect"
                };
                if !checked
                    || key.to_ascii_uppercase().starts_with("OPTIONS ")
                    || maybe_true(tpl, r.prop("ApiKeyRequired"))
                {
                    continue;
                }
                let at = r.prop("AuthorizationType").filter(|n| !is_null(n));
                if at.is_some() && !any_is(&values(tpl, at), "NONE") {
                    continue;
                }
                let node = at.or_else(|| r.node.get("Type")).unwrap_or(&r.node);
                out.push(ctx.finding(
                    &RULE,
                    r,
                    node,
                    r.path("Properties.AuthorizationType"),
                    format!(
                        "API route {} (`{key}`) has no authorization: anyone can call it.",
                        r.id
                    ),
                ));
            }
            _ => {}
        }
    }
    for (f, e, http) in api_events(tpl) {
        let props = e.value.get("Properties");
        let get = |path: &[&str]| props.and_then(|p| p.get_path(path));
        if all_are(&values(tpl, get(&["Method"])), "OPTIONS") {
            continue;
        }
        let authorizer = get(&["Auth", "Authorizer"]);
        let explicit_none = any_is(&values(tpl, authorizer), "NONE");
        if authorizer.is_some() && !explicit_none {
            continue;
        }
        if !http && maybe_true(tpl, get(&["Auth", "ApiKeyRequired"])) {
            continue;
        }
        if !explicit_none {
            // The API's default decides.
            let api_auth = match get(&[if http { "ApiId" } else { "RestApiId" }]) {
                Some(api) => {
                    let want = if http {
                        "AWS::Serverless::HttpApi"
                    } else {
                        "AWS::Serverless::Api"
                    };
                    let Some(api) = tpl.referenced_resource(api).filter(|a| a.ty == want) else {
                        continue; // not a SAM API of this template: unknown
                    };
                    if api.prop("DefinitionBody").is_some() || api.prop("DefinitionUri").is_some() {
                        continue; // security is in the OpenAPI document
                    }
                    api.prop("Auth")
                }
                None => tpl
                    .root
                    .get_path(&["Globals", if http { "HttpApi" } else { "Api" }])
                    .and_then(|g| {
                        if g.get("DefinitionBody").is_some() || g.get("DefinitionUri").is_some() {
                            None
                        } else {
                            g.get("Auth")
                        }
                    }),
            };
            let default = api_auth.and_then(|a| a.get("DefaultAuthorizer"));
            if configured(tpl, default) && !all_are(&values(tpl, default), "NONE") {
                continue;
            }
            if !http && maybe_true(tpl, api_auth.and_then(|a| a.get("ApiKeyRequired"))) {
                continue;
            }
        }
        let route = {
            let m = values(tpl, get(&["Method"]))
                .into_iter()
                .flatten()
                .next()
                .unwrap_or_else(|| "ANY".into());
            let p = values(tpl, get(&["Path"]))
                .into_iter()
                .flatten()
                .next()
                .unwrap_or_else(|| "/".into());
            format!("{} {p}", m.to_ascii_uppercase())
        };
        let why = if explicit_none {
            "sets Auth.Authorizer NONE"
        } else {
            "has no authorizer and its API has no DefaultAuthorizer"
        };
        out.push(ctx.finding_at(
            &RULE,
            &f.id,
            e.key_line,
            e.key_col,
            f.path(&format!("Properties.Events.{}", e.key)),
            format!(
                "{} event {} (`{route}`) {why}: anyone can call it.",
                f.id, e.key
            ),
        ));
    }
}
