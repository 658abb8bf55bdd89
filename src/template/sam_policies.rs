//! What SAM policy templates and common AWS managed policies grant, so IAM rules
//! judge the statements a function really gets. Tables follow SAM's
//! `policy_templates.json` and the AWS managed policy reference.

use super::node::Entry;
use super::policy::{Item, Origin, Statement};
use super::{PSEUDO, Template};

pub struct Grant {
    pub actions: &'static [&'static str],
    pub not_actions: &'static [&'static str],
    pub resources: &'static [&'static str],
}

pub struct ManagedPolicy {
    pub name: &'static str,
    pub statements: &'static [Grant],
}

const fn g(actions: &'static [&'static str], resources: &'static [&'static str]) -> Grant {
    Grant {
        actions,
        not_actions: &[],
        resources,
    }
}

/// Managed policies that make a principal an administrator or let it become one.
pub const ADMIN_EQUIVALENT: &[&str] = &[
    "AdministratorAccess",
    "IAMFullAccess",
    "PowerUserAccess",
    "AdministratorAccess-Amplify",
    "AdministratorAccess-AWSElasticBeanstalk",
];

static MANAGED: &[ManagedPolicy] = &[
    ManagedPolicy {
        name: "AdministratorAccess",
        statements: &[g(&["*"], &["*"])],
    },
    ManagedPolicy {
        name: "IAMFullAccess",
        statements: &[g(&["iam:*", "organizations:DescribeAccount"], &["*"])],
    },
    ManagedPolicy {
        name: "PowerUserAccess",
        statements: &[Grant {
            actions: &[],
            not_actions: &["iam:*", "organizations:*", "account:*"],
            resources: &["*"],
        }],
    },
    ManagedPolicy {
        name: "AmazonS3FullAccess",
        statements: &[g(&["s3:*", "s3-object-lambda:*"], &["*"])],
    },
    ManagedPolicy {
        name: "AmazonS3ReadOnlyAccess",
        statements: &[g(&["s3:Get*", "s3:List*", "s3:Describe*"], &["*"])],
    },
    ManagedPolicy {
        name: "AmazonDynamoDBFullAccess",
        statements: &[g(&["dynamodb:*", "dax:*"], &["*"])],
    },
    ManagedPolicy {
        name: "AmazonDynamoDBReadOnlyAccess",
        statements: &[g(
            &[
                "dynamodb:BatchGetItem",
                "dynamodb:Describe*",
                "dynamodb:List*",
                "dynamodb:GetItem",
                "dynamodb:Query",
                "dynamodb:Scan",
            ],
            &["*"],
        )],
    },
    ManagedPolicy {
        name: "AmazonSQSFullAccess",
        statements: &[g(&["sqs:*"], &["*"])],
    },
    ManagedPolicy {
        name: "AmazonSNSFullAccess",
        statements: &[g(&["sns:*"], &["*"])],
    },
    ManagedPolicy {
        name: "AmazonEC2FullAccess",
        statements: &[g(
            &[
                "ec2:*",
                "elasticloadbalancing:*",
                "cloudwatch:*",
                "autoscaling:*",
            ],
            &["*"],
        )],
    },
    ManagedPolicy {
        name: "AWSLambda_FullAccess",
        statements: &[g(
            &[
                "lambda:*",
                "cloudformation:DescribeStacks",
                "logs:DescribeLogGroups",
            ],
            &["*"],
        )],
    },
    ManagedPolicy {
        name: "AWSLambdaFullAccess",
        statements: &[g(&["lambda:*", "s3:*", "dynamodb:*", "logs:*"], &["*"])],
    },
    ManagedPolicy {
        name: "CloudWatchLogsFullAccess",
        statements: &[g(&["logs:*"], &["*"])],
    },
    ManagedPolicy {
        name: "AmazonKinesisFullAccess",
        statements: &[g(&["kinesis:*"], &["*"])],
    },
    ManagedPolicy {
        name: "SecretsManagerReadWrite",
        statements: &[g(&["secretsmanager:*"], &["*"])],
    },
    ManagedPolicy {
        name: "AmazonAPIGatewayAdministrator",
        statements: &[g(&["apigateway:*"], &["*"])],
    },
    ManagedPolicy {
        name: "AWSStepFunctionsFullAccess",
        statements: &[g(&["states:*"], &["*"])],
    },
    ManagedPolicy {
        name: "AmazonEventBridgeFullAccess",
        statements: &[g(
            &["events:*", "schemas:*", "scheduler:*", "pipes:*"],
            &["*"],
        )],
    },
    ManagedPolicy {
        name: "AWSKeyManagementServicePowerUser",
        statements: &[g(
            &[
                "kms:Create*",
                "kms:Describe*",
                "kms:Enable*",
                "kms:List*",
                "kms:Put*",
                "kms:Update*",
                "kms:Revoke*",
                "kms:Disable*",
                "kms:Get*",
                "kms:Delete*",
                "kms:TagResource",
                "kms:UntagResource",
                "kms:ScheduleKeyDeletion",
                "kms:CancelKeyDeletion",
            ],
            &["*"],
        )],
    },
    ManagedPolicy {
        name: "AWSLambdaBasicExecutionRole",
        statements: &[g(
            &[
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
            ],
            &["*"],
        )],
    },
    ManagedPolicy {
        name: "AWSLambdaExecute",
        statements: &[
            g(&["logs:*"], &["arn:aws:logs:*:*:*"]),
            g(&["s3:GetObject", "s3:PutObject"], &["arn:aws:s3:::*"]),
        ],
    },
    ManagedPolicy {
        name: "AWSLambdaVPCAccessExecutionRole",
        statements: &[g(
            &[
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
                "ec2:CreateNetworkInterface",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeSubnets",
                "ec2:DeleteNetworkInterface",
                "ec2:AssignPrivateIpAddresses",
                "ec2:UnassignPrivateIpAddresses",
            ],
            &["*"],
        )],
    },
    ManagedPolicy {
        name: "AWSXRayDaemonWriteAccess",
        statements: &[g(
            &[
                "xray:PutTraceSegments",
                "xray:PutTelemetryRecords",
                "xray:GetSamplingRules",
                "xray:GetSamplingTargets",
                "xray:GetSamplingStatisticSummaries",
            ],
            &["*"],
        )],
    },
    ManagedPolicy {
        name: "AWSXrayWriteOnlyAccess",
        statements: &[g(
            &[
                "xray:PutTraceSegments",
                "xray:PutTelemetryRecords",
                "xray:GetSamplingRules",
                "xray:GetSamplingTargets",
                "xray:GetSamplingStatisticSummaries",
            ],
            &["*"],
        )],
    },
    ManagedPolicy {
        name: "AWSLambdaDynamoDBExecutionRole",
        statements: &[g(
            &[
                "dynamodb:DescribeStream",
                "dynamodb:GetRecords",
                "dynamodb:GetShardIterator",
                "dynamodb:ListStreams",
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
            ],
            &["*"],
        )],
    },
    ManagedPolicy {
        name: "AWSLambdaSQSQueueExecutionRole",
        statements: &[g(
            &[
                "sqs:ReceiveMessage",
                "sqs:DeleteMessage",
                "sqs:GetQueueAttributes",
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
            ],
            &["*"],
        )],
    },
    ManagedPolicy {
        name: "AWSLambdaKinesisExecutionRole",
        statements: &[g(
            &[
                "kinesis:DescribeStream",
                "kinesis:DescribeStreamSummary",
                "kinesis:GetRecords",
                "kinesis:GetShardIterator",
                "kinesis:ListShards",
                "kinesis:ListStreams",
                "kinesis:SubscribeToShard",
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
            ],
            &["*"],
        )],
    },
];

pub fn managed(name: &str) -> Option<&'static ManagedPolicy> {
    MANAGED.iter().find(|m| m.name == name)
}

struct SamTemplate {
    name: &'static str,
    statements: &'static [Grant],
}

macro_rules! arn {
    ($($s:literal),*) => { &[$(concat!("arn:${AWS::Partition}", $s)),*] };
}

static SAM_TEMPLATES: &[SamTemplate] = &[
    SamTemplate {
        name: "S3ReadPolicy",
        statements: &[g(
            &[
                "s3:GetObject",
                "s3:ListBucket",
                "s3:GetBucketLocation",
                "s3:GetObjectVersion",
                "s3:GetLifecycleConfiguration",
            ],
            arn!(":s3:::${BucketName}", ":s3:::${BucketName}/*"),
        )],
    },
    SamTemplate {
        name: "S3WritePolicy",
        statements: &[g(
            &[
                "s3:PutObject",
                "s3:PutObjectAcl",
                "s3:PutLifecycleConfiguration",
            ],
            arn!(":s3:::${BucketName}", ":s3:::${BucketName}/*"),
        )],
    },
    SamTemplate {
        name: "S3CrudPolicy",
        statements: &[g(
            &[
                "s3:GetObject",
                "s3:ListBucket",
                "s3:GetBucketLocation",
                "s3:GetObjectVersion",
                "s3:PutObject",
                "s3:PutObjectAcl",
                "s3:GetLifecycleConfiguration",
                "s3:PutLifecycleConfiguration",
                "s3:DeleteObject",
            ],
            arn!(":s3:::${BucketName}", ":s3:::${BucketName}/*"),
        )],
    },
    SamTemplate {
        name: "S3FullAccessPolicy",
        statements: &[
            g(
                &[
                    "s3:GetObject",
                    "s3:GetObjectAcl",
                    "s3:GetObjectVersion",
                    "s3:PutObject",
                    "s3:PutObjectAcl",
                    "s3:DeleteObject",
                    "s3:DeleteObjectTagging",
                    "s3:DeleteObjectVersionTagging",
                    "s3:GetObjectTagging",
                    "s3:GetObjectVersionTagging",
                    "s3:PutObjectTagging",
                    "s3:PutObjectVersionTagging",
                ],
                arn!(":s3:::${BucketName}/*"),
            ),
            g(
                &[
                    "s3:ListBucket",
                    "s3:GetBucketLocation",
                    "s3:GetLifecycleConfiguration",
                    "s3:PutLifecycleConfiguration",
                ],
                arn!(":s3:::${BucketName}"),
            ),
        ],
    },
    SamTemplate {
        name: "DynamoDBCrudPolicy",
        statements: &[g(
            &[
                "dynamodb:GetItem",
                "dynamodb:DeleteItem",
                "dynamodb:PutItem",
                "dynamodb:Scan",
                "dynamodb:Query",
                "dynamodb:UpdateItem",
                "dynamodb:BatchWriteItem",
                "dynamodb:BatchGetItem",
                "dynamodb:DescribeTable",
                "dynamodb:ConditionCheckItem",
            ],
            arn!(
                ":dynamodb:${AWS::Region}:${AWS::AccountId}:table/${TableName}",
                ":dynamodb:${AWS::Region}:${AWS::AccountId}:table/${TableName}/index/*"
            ),
        )],
    },
    SamTemplate {
        name: "DynamoDBReadPolicy",
        statements: &[g(
            &[
                "dynamodb:GetItem",
                "dynamodb:Scan",
                "dynamodb:Query",
                "dynamodb:BatchGetItem",
                "dynamodb:DescribeTable",
            ],
            arn!(
                ":dynamodb:${AWS::Region}:${AWS::AccountId}:table/${TableName}",
                ":dynamodb:${AWS::Region}:${AWS::AccountId}:table/${TableName}/index/*"
            ),
        )],
    },
    SamTemplate {
        name: "DynamoDBWritePolicy",
        statements: &[g(
            &[
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
                "dynamodb:BatchWriteItem",
            ],
            arn!(
                ":dynamodb:${AWS::Region}:${AWS::AccountId}:table/${TableName}",
                ":dynamodb:${AWS::Region}:${AWS::AccountId}:table/${TableName}/index/*"
            ),
        )],
    },
    SamTemplate {
        name: "DynamoDBReconfigurePolicy",
        statements: &[g(
            &["dynamodb:UpdateTable"],
            arn!(":dynamodb:${AWS::Region}:${AWS::AccountId}:table/${TableName}"),
        )],
    },
    SamTemplate {
        name: "DynamoDBStreamReadPolicy",
        statements: &[
            g(
                &[
                    "dynamodb:DescribeStream",
                    "dynamodb:GetRecords",
                    "dynamodb:GetShardIterator",
                ],
                arn!(
                    ":dynamodb:${AWS::Region}:${AWS::AccountId}:table/${TableName}/stream/${StreamName}"
                ),
            ),
            g(
                &["dynamodb:ListStreams"],
                arn!(":dynamodb:${AWS::Region}:${AWS::AccountId}:table/${TableName}/stream/*"),
            ),
        ],
    },
    SamTemplate {
        name: "SQSSendMessagePolicy",
        statements: &[g(
            &["sqs:SendMessage*"],
            arn!(":sqs:${AWS::Region}:${AWS::AccountId}:${QueueName}"),
        )],
    },
    SamTemplate {
        name: "SQSPollerPolicy",
        statements: &[g(
            &[
                "sqs:ChangeMessageVisibility",
                "sqs:ChangeMessageVisibilityBatch",
                "sqs:DeleteMessage",
                "sqs:DeleteMessageBatch",
                "sqs:GetQueueAttributes",
                "sqs:ReceiveMessage",
            ],
            arn!(":sqs:${AWS::Region}:${AWS::AccountId}:${QueueName}"),
        )],
    },
    SamTemplate {
        name: "SNSPublishMessagePolicy",
        statements: &[g(
            &["sns:Publish"],
            arn!(":sns:${AWS::Region}:${AWS::AccountId}:${TopicName}"),
        )],
    },
    SamTemplate {
        name: "SNSCrudPolicy",
        statements: &[g(
            &[
                "sns:ListSubscriptionsByTopic",
                "sns:CreateTopic",
                "sns:SetTopicAttributes",
                "sns:Subscribe",
                "sns:Publish",
            ],
            arn!(":sns:${AWS::Region}:${AWS::AccountId}:${TopicName}*"),
        )],
    },
    SamTemplate {
        name: "LambdaInvokePolicy",
        statements: &[g(
            &["lambda:InvokeFunction"],
            arn!(":lambda:${AWS::Region}:${AWS::AccountId}:function:${FunctionName}*"),
        )],
    },
    SamTemplate {
        name: "StepFunctionsExecutionPolicy",
        statements: &[g(
            &["states:StartExecution"],
            arn!(":states:${AWS::Region}:${AWS::AccountId}:stateMachine:${StateMachineName}"),
        )],
    },
    SamTemplate {
        name: "EventBridgePutEventsPolicy",
        statements: &[g(
            &["events:PutEvents"],
            arn!(":events:${AWS::Region}:${AWS::AccountId}:event-bus/${EventBusName}"),
        )],
    },
    SamTemplate {
        name: "KMSDecryptPolicy",
        statements: &[g(
            &["kms:Decrypt"],
            arn!(":kms:${AWS::Region}:${AWS::AccountId}:key/${KeyId}"),
        )],
    },
    SamTemplate {
        name: "KMSEncryptPolicy",
        statements: &[g(
            &["kms:Encrypt"],
            arn!(":kms:${AWS::Region}:${AWS::AccountId}:key/${KeyId}"),
        )],
    },
    SamTemplate {
        name: "SSMParameterReadPolicy",
        statements: &[
            g(&["ssm:DescribeParameters"], &["*"]),
            g(
                &[
                    "ssm:GetParameters",
                    "ssm:GetParameter",
                    "ssm:GetParametersByPath",
                ],
                arn!(":ssm:${AWS::Region}:${AWS::AccountId}:parameter/${ParameterName}"),
            ),
        ],
    },
    SamTemplate {
        name: "SSMParameterWithSlashPrefixReadPolicy",
        statements: &[
            g(&["ssm:DescribeParameters"], &["*"]),
            g(
                &[
                    "ssm:GetParameters",
                    "ssm:GetParameter",
                    "ssm:GetParametersByPath",
                ],
                arn!(":ssm:${AWS::Region}:${AWS::AccountId}:parameter${ParameterName}"),
            ),
        ],
    },
    SamTemplate {
        name: "AWSSecretsManagerGetSecretValuePolicy",
        statements: &[g(&["secretsmanager:GetSecretValue"], &["${SecretArn}"])],
    },
    SamTemplate {
        name: "KinesisStreamReadPolicy",
        statements: &[
            g(
                &["kinesis:ListStreams", "kinesis:DescribeLimits"],
                arn!(":kinesis:${AWS::Region}:${AWS::AccountId}:stream/*"),
            ),
            g(
                &[
                    "kinesis:DescribeStream",
                    "kinesis:DescribeStreamSummary",
                    "kinesis:GetRecords",
                    "kinesis:GetShardIterator",
                ],
                arn!(":kinesis:${AWS::Region}:${AWS::AccountId}:stream/${StreamName}"),
            ),
        ],
    },
    SamTemplate {
        name: "KinesisCrudPolicy",
        statements: &[g(
            &[
                "kinesis:AddTagsToStream",
                "kinesis:CreateStream",
                "kinesis:DecreaseStreamRetentionPeriod",
                "kinesis:DeleteStream",
                "kinesis:DescribeStream",
                "kinesis:DescribeStreamSummary",
                "kinesis:GetShardIterator",
                "kinesis:IncreaseStreamRetentionPeriod",
                "kinesis:ListTagsForStream",
                "kinesis:MergeShards",
                "kinesis:PutRecord",
                "kinesis:PutRecords",
                "kinesis:SplitShard",
                "kinesis:RemoveTagsFromStream",
            ],
            arn!(":kinesis:${AWS::Region}:${AWS::AccountId}:stream/${StreamName}"),
        )],
    },
    SamTemplate {
        name: "SESCrudPolicy",
        statements: &[g(
            &[
                "ses:GetIdentityVerificationAttributes",
                "ses:SendEmail",
                "ses:SendRawEmail",
                "ses:VerifyEmailIdentity",
            ],
            arn!(":ses:${AWS::Region}:${AWS::AccountId}:identity/${IdentityName}"),
        )],
    },
    SamTemplate {
        name: "SESSendBouncePolicy",
        statements: &[g(
            &["ses:SendBounce"],
            arn!(":ses:${AWS::Region}:${AWS::AccountId}:identity/${IdentityName}"),
        )],
    },
    SamTemplate {
        name: "CloudWatchPutMetricPolicy",
        statements: &[g(&["cloudwatch:PutMetricData"], &["*"])],
    },
    SamTemplate {
        name: "VPCAccessPolicy",
        statements: &[g(
            &[
                "ec2:CreateNetworkInterface",
                "ec2:DeleteNetworkInterface",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DetachNetworkInterface",
            ],
            &["*"],
        )],
    },
    SamTemplate {
        name: "EC2DescribePolicy",
        statements: &[g(&["ec2:DescribeRegions", "ec2:DescribeInstances"], &["*"])],
    },
    SamTemplate {
        name: "AMIDescribePolicy",
        statements: &[g(&["ec2:DescribeImages"], &["*"])],
    },
    SamTemplate {
        name: "CloudFormationDescribeStacksPolicy",
        statements: &[g(
            &["cloudformation:DescribeStacks"],
            arn!(":cloudformation:${AWS::Region}:${AWS::AccountId}:stack/*"),
        )],
    },
    SamTemplate {
        name: "CodePipelineLambdaExecutionPolicy",
        statements: &[g(
            &[
                "codepipeline:PutJobSuccessResult",
                "codepipeline:PutJobFailureResult",
            ],
            &["*"],
        )],
    },
    SamTemplate {
        name: "FilterLogEventsPolicy",
        statements: &[g(
            &["logs:FilterLogEvents"],
            arn!(":logs:${AWS::Region}:${AWS::AccountId}:log-group:${LogGroupName}:log-stream:*"),
        )],
    },
    SamTemplate {
        name: "CostExplorerReadOnlyPolicy",
        statements: &[g(
            &[
                "ce:GetCostAndUsage",
                "ce:GetDimensionValues",
                "ce:GetReservationCoverage",
                "ce:GetReservationPurchaseRecommendation",
                "ce:GetReservationUtilization",
                "ce:GetTags",
            ],
            &["*"],
        )],
    },
    SamTemplate {
        name: "RekognitionDetectOnlyPolicy",
        statements: &[g(
            &[
                "rekognition:DetectFaces",
                "rekognition:DetectLabels",
                "rekognition:DetectModerationLabels",
                "rekognition:DetectText",
            ],
            &["*"],
        )],
    },
    SamTemplate {
        name: "TextractPolicy",
        statements: &[g(&["textract:*"], &["*"])],
    },
    SamTemplate {
        name: "ComprehendBasicAccessPolicy",
        statements: &[g(
            &[
                "comprehend:BatchDetectKeyPhrases",
                "comprehend:DetectDominantLanguage",
                "comprehend:DetectEntities",
                "comprehend:BatchDetectEntities",
                "comprehend:DetectKeyPhrases",
                "comprehend:DetectSentiment",
                "comprehend:BatchDetectDominantLanguage",
                "comprehend:BatchDetectSentiment",
            ],
            &["*"],
        )],
    },
    SamTemplate {
        name: "AthenaQueryPolicy",
        statements: &[
            g(
                &[
                    "athena:ListWorkGroups",
                    "athena:GetExecutionEngine",
                    "athena:GetExecutionEngines",
                    "athena:GetNamespace",
                    "athena:GetCatalogs",
                    "athena:GetNamespaces",
                    "athena:GetTables",
                    "athena:GetTable",
                ],
                &["*"],
            ),
            g(
                &[
                    "athena:StartQueryExecution",
                    "athena:GetQueryResults",
                    "athena:DeleteNamedQuery",
                    "athena:GetNamedQuery",
                    "athena:ListQueryExecutions",
                    "athena:StopQueryExecution",
                    "athena:GetQueryResultsStream",
                    "athena:ListNamedQueries",
                    "athena:CreateNamedQuery",
                    "athena:GetQueryExecution",
                    "athena:BatchGetNamedQuery",
                    "athena:BatchGetQueryExecution",
                    "athena:GetWorkGroup",
                ],
                arn!(":athena:${AWS::Region}:${AWS::AccountId}:workgroup/${WorkGroupName}"),
            ),
        ],
    },
    SamTemplate {
        name: "ElasticsearchHttpPostPolicy",
        statements: &[g(
            &["es:ESHttpPost", "es:ESHttpPut"],
            arn!(":es:${AWS::Region}:${AWS::AccountId}:domain/${DomainName}/*"),
        )],
    },
    SamTemplate {
        name: "MobileAnalyticsWriteOnlyAccessPolicy",
        statements: &[g(&["mobileanalytics:PutEvents"], &["*"])],
    },
    SamTemplate {
        name: "OrganizationsListAccountsPolicy",
        statements: &[g(&["organizations:ListAccounts"], &["*"])],
    },
];

/// Expands one `{TemplateName: {Param: value}}` entry into the statements it grants.
/// Unknown template names grant nothing we can judge.
pub fn expand_template(tpl: &Template, e: &Entry, path: &str, out: &mut Vec<Statement>) {
    let Some(t) = SAM_TEMPLATES.iter().find(|t| t.name == e.key) else {
        return;
    };
    let line = e.key_line;
    let col = e.key_col;
    for s in t.statements {
        let resources = s
            .resources
            .iter()
            .flat_map(|pattern| substitute(tpl, pattern, e))
            .map(|value| Item { value, line, col })
            .collect();
        let to_items = |v: &[&str]| -> Vec<Item> {
            v.iter()
                .map(|a| Item {
                    value: Some(a.to_string()),
                    line,
                    col,
                })
                .collect()
        };
        out.push(Statement {
            allow: true,
            actions: to_items(s.actions),
            not_actions: vec![],
            resources,
            not_resources: vec![],
            principals: vec![],
            condition_keys: vec![],
            line,
            col,
            path: path.to_string(),
            origin: Origin::SamTemplate(t.name.to_string()),
        });
    }
}

/// Fills `${Param}` from the template's arguments and `${AWS::...}` from pseudo parameters.
fn substitute(tpl: &Template, pattern: &str, e: &Entry) -> Vec<Option<String>> {
    let mut acc: Vec<Option<String>> = vec![Some(String::new())];
    let mut rest = pattern;
    while let Some(start) = rest.find("${") {
        let lit = &rest[..start];
        let after = &rest[start + 2..];
        let end = after.find('}').unwrap_or(after.len());
        let var = &after[..end];
        let values: Vec<Option<String>> =
            if let Some((_, v)) = PSEUDO.iter().find(|(k, _)| *k == var) {
                vec![Some(v.to_string())]
            } else {
                match e.value.get(var) {
                    Some(n) => tpl.strings(n),
                    None => vec![None],
                }
            };
        let mut next = Vec::new();
        for a in &acc {
            for v in &values {
                next.push(match (a, v) {
                    (Some(a), Some(v)) => Some(format!("{a}{lit}{v}")),
                    _ => None,
                });
            }
        }
        acc = next;
        acc.truncate(16);
        rest = after.get(end + 1..).unwrap_or("");
    }
    acc.into_iter()
        .map(|a| a.map(|a| format!("{a}{rest}")))
        .collect()
}
