//! Serverless Guardrails: a security gate for AWS serverless delivery pipelines.

pub mod allowlist;
#[cfg(feature = "aws")]
pub mod aws;
pub mod baseline;
pub mod changeset;
#[cfg(feature = "aws")]
pub mod cis;
pub mod cli;
pub mod code;
pub mod github;
pub mod guard;
pub mod hunt;
pub mod model;
pub mod report;
pub mod rules;
pub mod scan;
pub mod secrets;
pub mod suppress;
pub mod template;
