//! CloudTrail detections (ATH family), run by `guardrails hunt` (`crate::hunt`).
//!
//! Each file exposes `pub static RULE: Rule` (with `check: Check::Hunt`) and
//! `pub fn detector() -> Box<dyn Detector>`; the API is in `crate::hunt::detect`.
//! Add a module here, a row in [`detectors`], and a row in `registry.rs`.

pub mod access_key_new_ip;
pub mod admin_policy_attached;
pub mod cloudtrail_tampering;
pub mod console_brute_force;
pub mod console_login_no_mfa;
pub mod console_login_untrusted;
pub mod detection_disabled;
pub mod iam_policy_wildcard_action;
pub(crate) mod policy;
pub mod role_trust_opened;
pub mod root_activity;
pub mod s3_bucket_made_public;
pub mod security_group_world_open;

use crate::hunt::detect::Detector;

/// Fresh instances of every built-in detection, in id order.
pub fn detectors() -> Vec<Box<dyn Detector>> {
    vec![
        access_key_new_ip::detector(),
        console_login_untrusted::detector(),
        console_login_no_mfa::detector(),
        console_brute_force::detector(),
        root_activity::detector(),
        iam_policy_wildcard_action::detector(),
        admin_policy_attached::detector(),
        role_trust_opened::detector(),
        cloudtrail_tampering::detector(),
        detection_disabled::detector(),
        security_group_world_open::detector(),
        s3_bucket_made_public::detector(),
    ]
}
