pub mod kms_key_wildcard_principal;
pub mod kms_rotation_disabled;
pub mod sns_topic_unencrypted;
pub mod sqs_queue_unencrypted;
