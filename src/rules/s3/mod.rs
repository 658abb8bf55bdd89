pub mod s3_block_public_access_missing;
pub mod s3_no_access_logging;
pub mod s3_no_default_encryption;
pub mod s3_no_tls_only_policy;
pub mod s3_public_acl;

use crate::template::{Resource, Template};

/// `AWS::S3::Bucket` resources of a template.
pub fn buckets(tpl: &Template) -> impl Iterator<Item = &Resource> {
    tpl.resources.iter().filter(|r| r.ty == "AWS::S3::Bucket")
}

/// A bucket set up for static website hosting (`WebsiteConfiguration` present and not
/// only `AWS::NoValue`).
pub fn is_website(tpl: &Template, bucket: &Resource) -> bool {
    bucket
        .prop("WebsiteConfiguration")
        .is_some_and(|w| !tpl.list_items(w).is_empty())
}
