//! ## What it does
//! Flags password-named values (`password`, `pwd`, `passwd`, `passphrase`, also as
//! attributes and dictionary keys, through `.encode()` and `bytes(...)`) hashed with
//! `hashlib.md5` or `hashlib.sha1` (also `hashlib.new("md5" | "sha1", ...)`), with or
//! without a salt, and with an unsalted fast hash (`hashlib.sha256`, `sha512`, `sha3_*`,
//! `blake2*`). `usedforsecurity=False` marks a non-security use and is not reported;
//! password KDFs (`hashlib.scrypt`, `hashlib.pbkdf2_hmac`, bcrypt, argon2) are the fix.
//!
//! ## Why is this bad?
//! General-purpose hashes are built to be fast: a GPU tries billions of MD5 or SHA-256
//! guesses per second, so a leaked table of such hashes gives up most real passwords
//! within hours, and without a salt identical passwords share a hash and precomputed
//! tables apply. MD5 and SHA-1 are additionally broken for collisions.
//!
//! ## Severity
//! MEDIUM: the damage needs a second failure (the hashes leaking), but then it is
//! large and silent — users' passwords, reused elsewhere, are recovered offline.
//!
//! ## Example
//! ```python
//! def register(username, password):
//!     digest = hashlib.md5(password.encode()).hexdigest()
//!     table.put_item(Item={"user": username, "password_hash": digest})
//! ```
//!
//! Use instead:
//! ```python
//! def register(username, password):
//!     salt = os.urandom(16)
//!     digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)
//!     table.put_item(Item={"user": username, "salt": salt, "password_hash": digest})
//! ```
//!
//! ## References
//! - [CWE-916: Password hash with insufficient computational effort](https://cwe.mitre.org/data/definitions/916.html)
//! - [CWE-759: One-way hash without a salt](https://cwe.mitre.org/data/definitions/759.html)
//! - [OWASP: Password storage cheat sheet](https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html)
//! - [Python: hashlib key derivation](https://docs.python.org/3/library/hashlib.html#key-derivation)

use crate::model::Severity;
use crate::rules::{Check, Rule};

pub const RULE: Rule = Rule {
    id: "CODE010",
    name: "weak-password-hash",
    title: "Password hashed with a fast or broken hash",
    family: "CODE",
    severity: Severity::Medium,
    remediation: "Hash passwords with a salted, slow KDF: hashlib.scrypt, hashlib.pbkdf2_hmac with a high iteration count, bcrypt or argon2.",
    source: include_str!("weak_password_hash.rs"),
    check: Check::Code,
};
