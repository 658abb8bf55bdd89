"""Builds a CIS test account on a moto server with boto3 (tests/cis.rs runs it).

Usage: python tests/cis_account.py ENDPOINT_URL misconfigured|hardened|sinks

misconfigured: every control fails where moto can express it (moto's GetAccountSummary
  is fixed: AccountAccessKeysPresent=0, AccountMFAEnabled=0, so CIS-1.4 passes and
  CIS-1.5 fails in every moto account).
hardened: every control passes except CIS-1.5 (see above).
sinks: the DynamoDB table, S3 bucket, EventBridge bus + rule -> SQS queue the sinks
  write to; prints the queue URL.
Prints one JSON object with what was created.
"""

import json
import sys

import boto3

endpoint, mode = sys.argv[1], sys.argv[2]
kw = dict(
    endpoint_url=endpoint,
    aws_access_key_id="testing",
    aws_secret_access_key="testing",
)
ACCOUNT = "123456789012"


def client(service, region="us-east-1"):
    c = boto3.client(service, region_name=region, **kw)
    if service == "s3control":
        # S3 Control prefixes the account id to the host (123456789012.127.0.0.1), which
        # cannot resolve; the emulator answers on the plain host.
        def keep_host(request, **_):
            request.url = request.url.replace(f"//{ACCOUNT}.", "//", 1)

        c.meta.events.register("before-sign.s3-control.*", keep_host)
    return c


out = {}


def trail(multi, validation, logs_group=None):
    s3 = client("s3")
    s3.create_bucket(Bucket="cis-trail-bucket")
    args = dict(
        Name="cis-trail",
        S3BucketName="cis-trail-bucket",
        IsMultiRegionTrail=multi,
        EnableLogFileValidation=validation,
    )
    if logs_group:
        args.update(
            CloudWatchLogsLogGroupArn=logs_group,
            CloudWatchLogsRoleArn=f"arn:aws:iam::{ACCOUNT}:role/cis-trail-cw",
        )
    ct = client("cloudtrail")
    ct.create_trail(**args)
    ct.start_logging(Name="cis-trail")
    return ct


def log_group(name):
    logs = client("logs")
    logs.create_log_group(logGroupName=name)
    return logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"][0]["arn"]


if mode == "misconfigured":
    iam = client("iam")
    iam.update_account_password_policy(MinimumPasswordLength=8, PasswordReusePrevention=3)
    for name in ["alice", "bob", "carol"]:
        iam.create_user(UserName=name)
    iam.create_login_profile(UserName="alice", Password="Not-a-real-Passw0rd!")
    iam.attach_user_policy(
        UserName="bob", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess"
    )
    iam.put_user_policy(
        UserName="carol",
        PolicyName="inline",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
                ],
            }
        ),
    )
    group = log_group("cis-trail-logs")
    trail(multi=False, validation=False, logs_group=group)
    sns = client("sns")
    out["topic"] = sns.create_topic(Name="cis-alerts")["TopicArn"]
    rules = []
    for region in ["us-east-1", "eu-west-1"]:
        ec2 = client("ec2", region)
        vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
        for port, proto in [(22, "tcp"), (3389, "tcp"), (-1, "-1"), (443, "tcp")]:
            sg = ec2.create_security_group(
                GroupName=f"cis-open-{proto}-{port}",
                Description="world-open",
                VpcId=vpc,
            )["GroupId"]
            perm = {"IpProtocol": proto, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
            if port >= 0:
                perm.update(FromPort=port, ToPort=port)
            ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[perm])
            rules.append({"region": region, "group": sg, "port": port})
    out["groups"] = rules
    out["log_group"] = group

elif mode == "hardened":
    iam = client("iam")
    iam.update_account_password_policy(
        MinimumPasswordLength=14, PasswordReusePrevention=24
    )
    iam.create_group(GroupName="readers")
    iam.attach_group_policy(
        GroupName="readers", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess"
    )
    iam.create_user(UserName="dave")
    iam.add_user_to_group(GroupName="readers", UserName="dave")
    iam.create_login_profile(UserName="dave", Password="Not-a-real-Passw0rd!")
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="dave")
    iam.enable_mfa_device(
        UserName="dave",
        SerialNumber=device["VirtualMFADevice"]["SerialNumber"],
        AuthenticationCode1="123456",
        AuthenticationCode2="654321",
    )
    iam.create_user(UserName="ci-bot")  # no console password: MFA not required
    iam.add_user_to_group(GroupName="readers", UserName="ci-bot")
    client("s3control").put_public_access_block(
        AccountId=ACCOUNT,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    group = log_group("cis-trail-logs")
    ct = trail(multi=True, validation=True, logs_group=group)
    ct.put_event_selectors(
        TrailName="cis-trail",
        EventSelectors=[{"ReadWriteType": "All", "IncludeManagementEvents": True}],
    )
    client("logs").put_metric_filter(
        logGroupName="cis-trail-logs",
        filterName="cis-4.1",
        filterPattern='{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") && ($.sourceIPAddress!="delivery.logs.amazonaws.com") && ($.eventName!="HeadBucket") }',
        metricTransformations=[
            {
                "metricName": "UnauthorizedAPICalls",
                "metricNamespace": "CISBenchmark",
                "metricValue": "1",
            }
        ],
    )
    topic = client("sns").create_topic(Name="cis-alerts")["TopicArn"]
    client("cloudwatch").put_metric_alarm(
        AlarmName="cis-4.1",
        MetricName="UnauthorizedAPICalls",
        Namespace="CISBenchmark",
        Statistic="Sum",
        Period=300,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        AlarmActions=[topic],
    )
    ec2 = client("ec2")
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    sg = ec2.create_security_group(
        GroupName="web", Description="https only", VpcId=vpc
    )["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=sg,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            },
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "10.0.0.0/8"}],
            },
        ],
    )
    out["topic"] = topic

elif mode == "sinks":
    ddb = client("dynamodb")
    ddb.create_table(
        TableName="cis-results",
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    client("s3").create_bucket(Bucket="cis-reports")
    events = client("events")
    events.create_event_bus(Name="cis-bus")
    sqs = client("sqs")
    queue = sqs.create_queue(QueueName="cis-alerts")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    events.put_rule(
        Name="cis-alerts",
        EventBusName="cis-bus",
        EventPattern=json.dumps({"source": ["guardrails.cis"]}),
    )
    events.put_targets(
        Rule="cis-alerts",
        EventBusName="cis-bus",
        Targets=[{"Id": "queue", "Arn": queue_arn}],
    )
    out["queue"] = queue

else:
    sys.exit(f"unknown mode {mode}")

print(json.dumps(out))
