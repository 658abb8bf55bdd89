"""Builds the misconfigured account of bench/cis on a moto server (boto3).

Every CIS control of `guardrails cis` fails where moto can express it: weak password
policy, console users without MFA and with user-attached and inline policies, account
S3 Block Public Access off, a single-region trail without log file validation whose
log group has no 4.1 metric filter, and security groups open to the world on 22, 3389
and all traffic in two regions.

Usage: python3 bench/cis_account.py ENDPOINT_URL [--users N]
"""

import json
import sys

import boto3

endpoint = sys.argv[1]
users = int(sys.argv[sys.argv.index("--users") + 1]) if "--users" in sys.argv else 20
kw = dict(
    endpoint_url=endpoint,
    aws_access_key_id="testing",
    aws_secret_access_key="testing",
)


def client(service, region="us-east-1"):
    return boto3.client(service, region_name=region, **kw)


iam = client("iam")
iam.update_account_password_policy(MinimumPasswordLength=8, PasswordReusePrevention=3)
for i in range(users):
    name = f"bench-user-{i:03d}"
    iam.create_user(UserName=name)
    iam.create_login_profile(UserName=name, Password="Bench-Passw0rd-not-secret")
    if i % 2 == 0:
        iam.attach_user_policy(
            UserName=name, PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess"
        )
    if i % 3 == 0:
        iam.put_user_policy(
            UserName=name,
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

s3 = client("s3")
s3.create_bucket(Bucket="bench-trail-bucket")
logs = client("logs")
logs.create_log_group(logGroupName="bench-trail-logs")
group_arn = logs.describe_log_groups(logGroupNamePrefix="bench-trail-logs")[
    "logGroups"
][0]["arn"]
ct = client("cloudtrail")
ct.create_trail(
    Name="bench-trail",
    S3BucketName="bench-trail-bucket",
    IsMultiRegionTrail=False,
    EnableLogFileValidation=False,
    CloudWatchLogsLogGroupArn=group_arn,
    CloudWatchLogsRoleArn="arn:aws:iam::123456789012:role/bench-trail-cw",
)
ct.start_logging(Name="bench-trail")

for region in ["us-east-1", "eu-west-1"]:
    ec2 = client("ec2", region)
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    for port, proto in [(22, "tcp"), (3389, "tcp"), (-1, "-1")]:
        sg = ec2.create_security_group(
            GroupName=f"bench-open-{proto}-{port}",
            Description="bench: world-open admin port",
            VpcId=vpc,
        )["GroupId"]
        perm = {"IpProtocol": proto, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        if port >= 0:
            perm.update(FromPort=port, ToPort=port)
        ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[perm])

print(f"bench account ready on {endpoint}: {users} users, 1 trail, 6 open security groups")
