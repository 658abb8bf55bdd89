//! The one table of rule ids. Append only: an id is never reused or renumbered,
//! a retired rule keeps its row.

#[cfg(feature = "aws")]
use super::cis;
use super::{Rule, api, ath, chg, code, ddb, env, iam, kms, lmb, log, s3, vpc};

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
    &s3::s3_public_acl::RULE,
    &s3::s3_block_public_access_missing::RULE,
    &s3::s3_no_default_encryption::RULE,
    &s3::s3_no_tls_only_policy::RULE,
    &s3::s3_no_access_logging::RULE,
    &kms::kms_key_wildcard_principal::RULE,
    &kms::kms_rotation_disabled::RULE,
    &kms::sqs_queue_unencrypted::RULE,
    &kms::sns_topic_unencrypted::RULE,
    &ddb::dynamodb_pitr_disabled::RULE,
    &ddb::dynamodb_no_cmk::RULE,
    &iam::trust_policy_open::RULE,
    &iam::privilege_escalation_actions::RULE,
    &iam::user_with_policies::RULE,
    &env::literal_password_property::RULE,
    &env::secret_in_userdata::RULE,
    &env::secret_parameter_without_noecho::RULE,
    &vpc::subnet_maps_public_ip::RULE,
    &vpc::default_security_group_rules::RULE,
    &vpc::nacl_admin_port_open::RULE,
    &api::api_route_without_auth::RULE,
    &api::api_no_access_logging::RULE,
    &api::api_tls_below_1_2::RULE,
    &log::cloudtrail_weak::RULE,
    &log::log_group_no_retention::RULE,
    &log::lambda_no_tracing::RULE,
    &code::path_traversal::RULE,
    &code::sensitive_logging::RULE,
    &code::insecure_temp_file::RULE,
    &code::weak_password_hash::RULE,
    &ath::root_activity::RULE,
    &ath::console_login_no_mfa::RULE,
    &ath::iam_policy_wildcard_action::RULE,
    &ath::admin_policy_attached::RULE,
    &ath::cloudtrail_tampering::RULE,
    &ath::detection_disabled::RULE,
    #[cfg(feature = "aws")]
    &cis::no_root_access_keys::RULE,
    #[cfg(feature = "aws")]
    &cis::root_mfa::RULE,
    #[cfg(feature = "aws")]
    &cis::password_min_length::RULE,
    #[cfg(feature = "aws")]
    &cis::password_reuse::RULE,
    #[cfg(feature = "aws")]
    &cis::console_users_mfa::RULE,
    #[cfg(feature = "aws")]
    &cis::no_user_policies::RULE,
    #[cfg(feature = "aws")]
    &cis::s3_account_public_access_block::RULE,
    #[cfg(feature = "aws")]
    &cis::multi_region_trail::RULE,
    #[cfg(feature = "aws")]
    &cis::log_file_validation::RULE,
    #[cfg(feature = "aws")]
    &cis::unauthorized_api_calls_alarm::RULE,
    #[cfg(feature = "aws")]
    &cis::world_open_admin_ports::RULE,
    &ath::access_key_new_ip::RULE,
    &ath::console_login_untrusted::RULE,
    &ath::console_brute_force::RULE,
    &ath::role_trust_opened::RULE,
    &ath::security_group_world_open::RULE,
    &ath::s3_bucket_made_public::RULE,
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
