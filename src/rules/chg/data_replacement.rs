//! ## What it does
//! Flags change-set entries that replace (`Replacement: True` or `Conditional`) or remove
//! resources that hold data: DynamoDB tables, S3 buckets, RDS instances and clusters,
//! EFS file systems, Kinesis streams, SQS queues, Cognito user pools, EBS volumes,
//! OpenSearch domains, ElastiCache clusters, Secrets Manager secrets, KMS keys and log
//! groups.
//!
//! ## Why is this bad?
//! CloudFormation replaces a resource by creating a new one and deleting the old one:
//! the table, bucket contents or user pool are gone unless a `DeletionPolicy` or
//! `UpdateReplacePolicy` retains them. A renamed property is enough to trigger it.
//!
//! ## Severity
//! CRITICAL for `Replacement: True` and for removals (data loss on execute); HIGH for
//! `Conditional` replacement, which depends on values known only at execution.
//!
//! ## Example
//! ```json
//! {"ResourceChange": {"Action": "Modify", "LogicalResourceId": "OrdersTable",
//!   "ResourceType": "AWS::DynamoDB::Table", "Replacement": "True"}}
//! ```
//!
//! Use instead:
//! Keep the property that forces replacement unchanged, or set
//! `DeletionPolicy: Retain` and `UpdateReplacePolicy: Retain` and migrate the data.
//!
//! ## References
//! - [Update behaviors of stack resources](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-update-behaviors.html)
//! - [UpdateReplacePolicy attribute](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-updatereplacepolicy.html)

use crate::changeset::ChangeSet;
use crate::model::{Finding, Severity};
use crate::rules::{Check, Rule};

pub const RULE: Rule = Rule {
    id: "CHG003",
    name: "data-replacement",
    title: "Change set replaces or removes a resource that holds data",
    family: "CHG",
    severity: Severity::Critical,
    remediation: "Avoid the replacing change, or retain the old resource (DeletionPolicy/UpdateReplacePolicy: Retain) and migrate its data first.",
    source: include_str!("data_replacement.rs"),
    check: Check::ChangeSet(check),
};

const DATA_TYPES: &[&str] = &[
    "AWS::DynamoDB::Table",
    "AWS::DynamoDB::GlobalTable",
    "AWS::Serverless::SimpleTable",
    "AWS::S3::Bucket",
    "AWS::RDS::DBInstance",
    "AWS::RDS::DBCluster",
    "AWS::EFS::FileSystem",
    "AWS::Kinesis::Stream",
    "AWS::SQS::Queue",
    "AWS::Cognito::UserPool",
    "AWS::EC2::Volume",
    "AWS::OpenSearchService::Domain",
    "AWS::Elasticsearch::Domain",
    "AWS::ElastiCache::CacheCluster",
    "AWS::ElastiCache::ReplicationGroup",
    "AWS::SecretsManager::Secret",
    "AWS::KMS::Key",
    "AWS::Logs::LogGroup",
    "AWS::Neptune::DBCluster",
    "AWS::DocDB::DBCluster",
    "AWS::Redshift::Cluster",
];

fn check(cs: &ChangeSet, out: &mut Vec<Finding>) {
    for c in &cs.changes {
        if !DATA_TYPES.contains(&c.resource_type.as_str()) {
            continue;
        }
        let (severity, what) = match (c.action.as_str(), c.replacement.as_str()) {
            ("Remove", _) => (Severity::Critical, "is removed"),
            (_, "True") => (Severity::Critical, "is replaced"),
            (_, "Conditional") => (Severity::High, "may be replaced"),
            _ => continue,
        };
        let mut f = cs.finding(
            &RULE,
            c,
            format!(
                "{} {} {what}: its data is deleted unless retained.",
                c.resource_type, c.logical_id
            ),
        );
        f.severity = severity;
        out.push(f);
    }
}
