//! The one table of rule ids. Append only: an id is never reused or renumbered,
//! a retired rule keeps its row.

use super::{Rule, chg, code, env, iam, lmb, vpc};

pub static RULES: &[&Rule] = &[
    &iam::wildcard_action::RULE,
    &iam::wildcard_resource_write::RULE,
    &iam::passrole_wildcard::RULE,
    &iam::not_action_not_resource::RULE,
    &iam::admin_managed_policy::RULE,
    &iam::wildcard_principal::RULE,
    &env::known_format_credential::RULE,
    &env::secret_named_literal::RULE,
    &env::hardcoded_secret_in_source::RULE,
    &vpc::function_in_public_subnet::RULE,
    &vpc::world_open_ingress::RULE,
    &vpc::world_open_egress::RULE,
    &lmb::function_url_auth_none::RULE,
    &lmb::public_invoke_permission::RULE,
    &code::command_injection::RULE,
    &code::code_injection::RULE,
    &code::unsafe_deserialization::RULE,
    &code::sql_injection::RULE,
    &code::tls_verification_disabled::RULE,
    &code::ssrf::RULE,
    &chg::iam_change::RULE,
    &chg::network_change::RULE,
    &chg::data_replacement::RULE,
    &chg::invoke_permission_change::RULE,
];

pub fn get(id: &str) -> Option<&'static Rule> {
    RULES.iter().copied().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_unique_and_docs_complete() {
        let mut ids = HashSet::new();
        for r in RULES {
            assert!(ids.insert(r.id), "duplicate id {}", r.id);
            let doc = r.doc();
            for section in [
                "## What it does",
                "## Why is this bad?",
                "## Example",
                "Use instead:",
                "## References",
                "## Severity",
            ] {
                assert!(doc.contains(section), "{} doc lacks {section}", r.id);
            }
            assert!(
                r.id.starts_with(r.family),
                "{} not in family {}",
                r.id,
                r.family
            );
            assert!(r.source.contains(&format!("id: \"{}\"", r.id)));
        }
    }
}
