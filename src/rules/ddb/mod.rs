pub mod dynamodb_no_cmk;
pub mod dynamodb_pitr_disabled;

/// DynamoDB table resource types: CloudFormation tables, global tables and SAM's
/// `SimpleTable`.
pub const TABLE: &str = "AWS::DynamoDB::Table";
pub const GLOBAL_TABLE: &str = "AWS::DynamoDB::GlobalTable";
pub const SIMPLE_TABLE: &str = "AWS::Serverless::SimpleTable";
