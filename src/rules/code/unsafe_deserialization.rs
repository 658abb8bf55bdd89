//! ## What it does
//! Flags event data that reaches a deserialiser able to build arbitrary objects:
//! `pickle.load/loads`, `dill`, `marshal.load/loads`, `jsonpickle.decode`,
//! `shelve.open`, and `yaml.load` without a safe loader. `yaml.load` (and
//! `yaml.unsafe_load`, `yaml.full_load`) with no `Loader=` or with
//! `Loader=yaml.Loader`/`FullLoader`/`UnsafeLoader` is reported even when the input is
//! not from the event, at MEDIUM, because it is the known-unsafe API;
//! `yaml.safe_load` and `Loader=yaml.SafeLoader`/`CSafeLoader` are fine.
//!
//! In JavaScript (Node.js) handlers: event data into `node-serialize`'s `unserialize`,
//! `serialize-to-js`'s `deserialize`, `funcster.deepDeserialize`, `js-yaml`'s
//! `unsafeLoad`, or `load` with `DEFAULT_FULL_SCHEMA`.
//!
//! ## Why is this bad?
//! A pickle stream is a program: unpickling calls any importable function with any
//! arguments (`os.system` is the classic). YAML's full loaders can do the same through
//! `!!python/object` tags. An attacker who controls the bytes runs code inside the
//! function with its role's credentials.
//!
//! ## Severity
//! HIGH when event data reaches the call: remote code execution, though the payload
//! has to survive the encoding layers in between (often base64 in a JSON body), which
//! is why this is not rated CRITICAL like direct `eval`. MEDIUM for an unsafe
//! `yaml.load` on data that does not come from the event (configuration files, S3
//! objects): exploitable only if that data can be tampered with.
//!
//! ## Example
//! ```python
//! def lambda_handler(event, context):
//!     cart = pickle.loads(base64.b64decode(event["body"]))
//!     settings = yaml.load(event["headers"]["x-settings"])
//! ```
//!
//! Use instead:
//! ```python
//! def lambda_handler(event, context):
//!     cart = json.loads(base64.b64decode(event["body"]))
//!     settings = yaml.safe_load(event["headers"]["x-settings"])
//! ```
//!
//! ## References
//! - [CWE-502: Deserialization of untrusted data](https://cwe.mitre.org/data/definitions/502.html)
//! - [Python: pickle warning](https://docs.python.org/3/library/pickle.html)
//! - [PyYAML: yaml.load deprecation](https://github.com/yaml/pyyaml/wiki/PyYAML-yaml.load(input)-Deprecation)
//! - [OWASP: Deserialization cheat sheet](https://cheatsheetseries.owasp.org/cheatsheets/Deserialization_Cheat_Sheet.html)

use crate::model::Severity;
use crate::rules::{Check, Rule};

pub const RULE: Rule = Rule {
    id: "CODE003",
    name: "unsafe-deserialization",
    title: "Untrusted data reaches an unsafe deserialiser",
    family: "CODE",
    severity: Severity::High,
    remediation: "Use json for data from clients; use yaml.safe_load (or Loader=yaml.SafeLoader); never unpickle data that crosses a trust boundary.",
    source: include_str!("unsafe_deserialization.rs"),
    check: Check::Code,
};
