//! Serverless Guardrails: a security gate for AWS serverless delivery pipelines.

pub mod allowlist;
pub mod baseline;
pub mod changeset;
pub mod cli;
pub mod code;
pub mod github;
pub mod guard;
pub mod model;
pub mod report;
pub mod rules;
pub mod scan;
pub mod secrets;
pub mod suppress;
pub mod template;
