//! ## What it does
//! Flags code that turns off TLS certificate or hostname verification:
//! `verify=False` on `requests`, `httpx`, `aiohttp`, `urllib3` and `boto3` calls and
//! clients, `session.verify = False`, `ssl._create_unverified_context()`,
//! `ctx.check_hostname = False`, `ctx.verify_mode = ssl.CERT_NONE` and
//! `cert_reqs=CERT_NONE`. Silencing warnings (`urllib3.disable_warnings()`) alone and
//! `verify="/path/to/ca.pem"` are not reported. No event data is needed.
//!
//! In JavaScript (Node.js): `rejectUnauthorized: false` (in `https.Agent`, `tls`
//! options, axios' `httpsAgent`), `strictSSL: false`, and
//! `process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0'`, anywhere in the file.
//!
//! ## Why is this bad?
//! Without verification anyone on the network path (a compromised NAT instance, a
//! proxy, DNS spoofing) can impersonate the server, read the traffic, including the
//! credentials and tokens in it, and alter responses.
//!
//! ## Severity
//! MEDIUM: exploiting it needs a network position between the function and the
//! server, which is harder to get inside AWS than on the internet, but the impact
//! (credential theft, tampered data) is serious.
//!
//! ## Example
//! ```python
//! requests.post(PARTNER_WEBHOOK, json=payload, verify=False)
//! ```
//!
//! Use instead:
//! ```python
//! # Trust the private CA explicitly instead of trusting everyone.
//! requests.post(PARTNER_WEBHOOK, json=payload, verify="/opt/certs/partner-ca.pem")
//! ```
//!
//! ## References
//! - [CWE-295: Improper certificate validation](https://cwe.mitre.org/data/definitions/295.html)
//! - [Requests: SSL cert verification](https://requests.readthedocs.io/en/latest/user/advanced/#ssl-cert-verification)
//! - [Python: ssl security considerations](https://docs.python.org/3/library/ssl.html#security-considerations)

use crate::model::Severity;
use crate::rules::{Check, Rule};

pub const RULE: Rule = Rule {
    id: "CODE005",
    name: "tls-verification-disabled",
    title: "TLS certificate verification is disabled",
    family: "CODE",
    severity: Severity::Medium,
    remediation: "Keep verification on; for private CAs pass the CA bundle (verify=\"/path/ca.pem\" or ssl.create_default_context(cafile=...)).",
    source: include_str!("tls_verification_disabled.rs"),
    check: Check::Code,
};
