//! Change-set rules: what a deployment is about to change, before it runs.

pub mod data_replacement;
pub mod iam_change;
pub mod invoke_permission_change;
pub mod network_change;
