pub mod cloudtrail_weak;
pub mod lambda_no_tracing;
pub mod log_group_no_retention;

use crate::template::Template;
use crate::template::node::Node;

/// A boolean property that is, or may be, true: unknown values (a parameter without a
/// default) count as maybe, so they are never a finding on their own.
pub fn maybe_true(tpl: &Template, n: Option<&Node>) -> bool {
    n.is_some_and(|n| {
        tpl.strings(n)
            .iter()
            .any(|v| v.as_deref().is_none_or(|v| v.eq_ignore_ascii_case("true")))
    })
}
