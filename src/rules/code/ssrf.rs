//! ## What it does
//! Flags outbound requests whose scheme or host comes from the event:
//! `requests.*`, `httpx.*`, `aiohttp.*`, `urllib.request.urlopen/Request` and
//! `http.client.HTTPConnection(host)`. URLs with a fixed `scheme://host/` prefix (or a
//! prefix taken from configuration, such as `f"{API_BASE}/items/{item}"`) where the
//! event only fills in the path or query are not reported; nor are values converted
//! with `int()` or checked against an allow-list of URLs first.
//!
//! In JavaScript (Node.js) handlers: `fetch`, `node-fetch`, `axios(...)` and
//! `axios.get/post/...`, `got`, `http(s).get/request` (URL or `{ hostname }` options);
//! a fixed `https://host/` prefix, `new URL(path, BASE)` or `encodeURIComponent` on
//! the event's part keep the host fixed.
//!
//! ## Why is this bad?
//! The function fetches whatever the caller names, from inside your network: private
//! VPC endpoints, internal admin APIs, or other AWS services reachable from the
//! function's subnets. Lambda's own credentials sit in environment variables rather
//! than at a metadata endpoint, but a container image or a function calling internal
//! services is still a pivot into places the caller should not reach, and responses
//! often flow back to the caller.
//!
//! ## Severity
//! HIGH: lets an external caller reach internal services with the function's network
//! position; impact depends on what is reachable, so it is not CRITICAL.
//!
//! ## Example
//! ```python
//! def lambda_handler(event, context):
//!     body = json.loads(event["body"])
//!     preview = requests.get(body["url"], timeout=5)
//! ```
//!
//! Use instead:
//! ```python
//! ALLOWED_FEEDS = {"https://feeds.example.com/a.xml"}
//!
//! def lambda_handler(event, context):
//!     body = json.loads(event["body"])
//!     if body["url"] not in ALLOWED_FEEDS:
//!         return {"statusCode": 400}
//!     preview = requests.get(body["url"], timeout=5)
//! ```
//!
//! ## References
//! - [CWE-918: Server-side request forgery](https://cwe.mitre.org/data/definitions/918.html)
//! - [OWASP: SSRF prevention cheat sheet](https://cheatsheetseries.owasp.org/cheatsheets/Server_Side_Request_Forgery_Prevention_Cheat_Sheet.html)
//! - [AWS Lambda: networking and security](https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html)

use crate::model::Severity;
use crate::rules::{Check, Rule};

pub const RULE: Rule = Rule {
    id: "CODE006",
    name: "ssrf",
    title: "Event data controls the host of an outbound request",
    family: "CODE",
    severity: Severity::High,
    remediation: "Fix the scheme and host in code and let the event choose only path or query values; otherwise check the URL against an allow-list.",
    source: include_str!("ssrf.rs"),
    check: Check::Code,
};
