pub mod code_injection;
pub mod command_injection;
pub mod sql_injection;
pub mod ssrf;
pub mod tls_verification_disabled;
pub mod unsafe_deserialization;
