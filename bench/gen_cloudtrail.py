#!/usr/bin/env python3
"""Deterministic synthetic CloudTrail logs in the S3 delivery layout (standard library only).

    gen_cloudtrail.py OUT_DIR --size-mb N [--seed S] [--jobs J]

Writes OUT_DIR/AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/
<account>_CloudTrail_<region>_<YYYYMMDDTHHMMZ>_<16 chars>.json.gz files of 1-5 MB of
compact JSON each (as CloudTrail writes them) until about N MB of uncompressed JSON, and
OUT_DIR/manifest.json (files, bytes, records, seeded suspicious events by kind).

The mix follows a typical serverless account: mostly assumed-role read calls
(Describe*/Get*/List*), some writes, calls AWS services make on a role's behalf, IAM
users with long-term keys, console sign-ins (with and without MFA, a few failures), and a
few suspicious events (root activity, StopLogging/DeleteTrail, AdministratorAccess
attached, wildcard inline policies, GuardDuty detector deleted, access keys created then
used from a new address). The same seed and size give byte-identical files.
"""

import argparse
import gzip
import json
import multiprocessing
import os
import random
import sys
from datetime import datetime, timedelta, timezone

ACCOUNTS = ["111122223333", "444455556666", "777788889999"]
REGIONS = ["us-east-1", "eu-west-1", "ap-northeast-2", "us-west-2"]
START = datetime(2024, 3, 1, tzinfo=timezone.utc)

READS = [
    ("ec2.amazonaws.com", ["DescribeInstances", "DescribeSecurityGroups", "DescribeVpcs",
                           "DescribeSubnets", "DescribeNetworkInterfaces", "DescribeVolumes",
                           "DescribeImages", "DescribeRegions", "DescribeTags"]),
    ("s3.amazonaws.com", ["ListBuckets", "GetBucketAcl", "GetBucketPolicy", "GetBucketLocation",
                          "GetBucketVersioning", "GetBucketEncryption", "GetBucketTagging"]),
    ("iam.amazonaws.com", ["GetRole", "ListRoles", "ListPolicies", "GetPolicy",
                           "GetPolicyVersion", "ListAttachedRolePolicies", "ListRolePolicies"]),
    ("lambda.amazonaws.com", ["ListFunctions20150331", "GetFunction20150331v2",
                              "GetFunctionConfiguration20150331v2", "ListEventSourceMappings20150331"]),
    ("dynamodb.amazonaws.com", ["DescribeTable", "ListTables", "DescribeContinuousBackups",
                                "DescribeTimeToLive"]),
    ("sts.amazonaws.com", ["GetCallerIdentity"]),
    ("kms.amazonaws.com", ["Decrypt", "DescribeKey", "ListAliases", "GenerateDataKey"]),
    ("logs.amazonaws.com", ["DescribeLogGroups", "DescribeLogStreams", "GetLogEvents"]),
    ("monitoring.amazonaws.com", ["DescribeAlarms", "GetMetricData", "ListMetrics"]),
    ("ssm.amazonaws.com", ["GetParameter", "GetParameters", "GetParametersByPath",
                           "DescribeParameters"]),
    ("cloudformation.amazonaws.com", ["DescribeStacks", "ListStacks", "DescribeStackEvents",
                                      "GetTemplate"]),
    ("sqs.amazonaws.com", ["GetQueueAttributes", "ListQueues", "GetQueueUrl"]),
    ("secretsmanager.amazonaws.com", ["GetSecretValue", "DescribeSecret", "ListSecrets"]),
]
WRITES = [
    ("ec2.amazonaws.com", ["CreateTags", "RunInstances", "TerminateInstances",
                           "AuthorizeSecurityGroupIngress", "CreateNetworkInterface"]),
    ("lambda.amazonaws.com", ["UpdateFunctionCode20150331v2",
                              "UpdateFunctionConfiguration20150331v2", "Invoke"]),
    ("dynamodb.amazonaws.com", ["UpdateTable", "CreateBackup"]),
    ("s3.amazonaws.com", ["PutBucketTagging", "PutBucketVersioning", "CreateBucket"]),
    ("logs.amazonaws.com", ["CreateLogStream", "PutRetentionPolicy", "CreateLogGroup"]),
    ("cloudformation.amazonaws.com", ["CreateChangeSet", "ExecuteChangeSet", "UpdateStack"]),
    ("sqs.amazonaws.com", ["SetQueueAttributes", "CreateQueue"]),
    ("iam.amazonaws.com", ["PassRole", "TagRole"]),
]
ROLES = ["deploy-pipeline", "lambda-orders-api", "lambda-billing-worker", "ReadOnlyAuditor",
         "AWSReservedSSO_Developer_1a2b3c4d5e6f7a8b", "ecs-task-reports",
         "AWSReservedSSO_AdministratorAccess_9f8e7d6c5b4a3210", "github-actions-oidc",
         "cdk-hnb659fds-cfn-exec-role", "datadog-integration"]
SERVICES_INVOKING = ["lambda.amazonaws.com", "cloudformation.amazonaws.com",
                     "ecs-tasks.amazonaws.com", "events.amazonaws.com",
                     "config.amazonaws.com", "autoscaling.amazonaws.com"]
USERS = ["alice", "bob", "carol", "ci-legacy", "backup-bot", "dave"]
AGENTS = [
    "aws-cli/2.15.30 Python/3.11.8 Linux/6.1.79 exe/x86_64.amzn.2023 prompt/off command/ec2.describe-instances",
    "Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#5.10.210 md/arch#x86_64 lang/python#3.12.2 md/pyimpl#CPython exec-env/AWS_Lambda_python3.12 cfg/retry-mode#legacy Botocore/1.34.69",
    "aws-sdk-go-v2/1.25.3 os/linux lang/go#1.22.1 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.150.1",
    "aws-sdk-java/2.25.11 Linux/5.10.210 OpenJDK_64-Bit_Server_VM/17.0.10+7-LTS Java/17.0.10 vendor/Amazon.com_Inc. exec-env/AWS_ECS_FARGATE io/sync http/Apache cfg/retry-mode/legacy",
    "console.amazonaws.com",
    "Terraform/1.7.5 (+https://www.terraform.io) terraform-provider-aws/5.41.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.25.3",
    "cloudformation.amazonaws.com",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
]
OFFICE_IPS = ["203.0.113.10", "203.0.113.24", "198.51.100.7", "198.51.100.83"]
ODD_IPS = ["185.220.101.34", "45.155.205.233", "91.240.118.172", "103.251.167.20"]
HEX = "0123456789abcdef"
UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def uuid(rng):
    h = "".join(rng.choice(HEX) for _ in range(32))
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def key(rng, prefix):
    return prefix + "".join(rng.choice(UPPER) for _ in range(16))


def ts(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def tls(rng, service):
    return {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256",
            "clientProvidedHostHeader": service.replace(".amazonaws.com", "") + ".us-east-1.amazonaws.com"}


def assumed_role(rng, acct, t):
    role = rng.choice(ROLES)
    session = rng.choice(["botocore-session-%d" % rng.randrange(10**10), rng.choice(USERS) + "@example.com",
                          "GitHubActions", "i-0%015x" % rng.randrange(16**15)])
    rid = "AROA" + "".join(rng.choice(UPPER) for _ in range(17))
    return {
        "type": "AssumedRole",
        "principalId": f"{rid}:{session}",
        "arn": f"arn:aws:sts::{acct}:assumed-role/{role}/{session}",
        "accountId": acct,
        "accessKeyId": key(rng, "ASIA"),
        "sessionContext": {
            "sessionIssuer": {"type": "Role", "principalId": rid,
                              "arn": f"arn:aws:iam::{acct}:role/{role}",
                              "accountId": acct, "userName": role},
            "webIdFederationData": {},
            "attributes": {"creationDate": ts(t - timedelta(minutes=rng.randrange(1, 600))),
                           "mfaAuthenticated": "false"},
        },
    }


def iam_user(rng, acct, user, key_id=None):
    return {"type": "IAMUser", "principalId": "AIDA" + "".join(rng.choice(UPPER) for _ in range(17)),
            "arn": f"arn:aws:iam::{acct}:user/{user}", "accountId": acct,
            "accessKeyId": key_id or key(rng, "AKIA"), "userName": user}


def root(rng, acct):
    return {"type": "Root", "principalId": acct, "arn": f"arn:aws:iam::{acct}:root",
            "accountId": acct, "accessKeyId": ""}


def params(rng, name, acct, region):
    if name.startswith("Describe") or name.startswith("List"):
        p = {}
        if rng.random() < 0.5:
            p["maxResults"] = rng.choice([50, 100, 1000])
        if rng.random() < 0.3:
            p["filterSet"] = {"items": [{"name": "tag:team", "valueSet": {"items": [{"value": rng.choice(["orders", "billing", "platform"])}]}}]}
        return p or None
    if name in ("GetRole", "ListAttachedRolePolicies", "ListRolePolicies", "TagRole", "PassRole"):
        return {"roleName": rng.choice(ROLES)}
    if name.startswith("GetBucket") or name.startswith("PutBucket") or name == "CreateBucket":
        return {"bucketName": f"{rng.choice(['orders', 'billing', 'artifacts', 'logs'])}-{acct}-{region}", "Host": "s3.amazonaws.com"}
    if "Function" in name or name == "Invoke":
        return {"functionName": f"arn:aws:lambda:{region}:{acct}:function:{rng.choice(['orders-api', 'billing-worker', 'report-gen'])}"}
    if name in ("GetParameter", "GetParameters", "GetParametersByPath"):
        return {"name": f"/prod/{rng.choice(['orders', 'billing'])}/{rng.choice(['db-url', 'api-endpoint', 'feature-flags'])}", "withDecryption": True}
    if name in ("Decrypt", "GenerateDataKey", "DescribeKey"):
        return {"keyId": f"arn:aws:kms:{region}:{acct}:key/{uuid(rng)}",
                "encryptionAlgorithm": "SYMMETRIC_DEFAULT",
                "encryptionContext": {"aws:lambda:FunctionArn": f"arn:aws:lambda:{region}:{acct}:function:orders-api"}}
    if name == "DescribeTable" or name.startswith("Describe"):
        return {"tableName": rng.choice(["orders", "billing", "sessions"])}
    if name == "CreateTags":
        return {"resourcesSet": {"items": [{"resourceId": "i-0%015x" % rng.randrange(16**15)}]},
                "tagSet": {"items": [{"key": "owner", "value": rng.choice(USERS)}]}}
    return {"resourceArn": f"arn:aws:{name.lower()[:6]}:{region}:{acct}:thing/{rng.randrange(10**6)}"}


def base(rng, acct, region, t, source, name, identity, ip, agent, read_only=True):
    rec = {
        "eventVersion": "1.09",
        "userIdentity": identity,
        "eventTime": ts(t),
        "eventSource": source,
        "eventName": name,
        "awsRegion": region,
        "sourceIPAddress": ip,
        "userAgent": agent,
        "requestParameters": params(rng, name, acct, region),
        "responseElements": None,
        "requestID": uuid(rng),
        "eventID": uuid(rng),
        "readOnly": read_only,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": acct,
        "eventCategory": "Management",
        "tlsDetails": tls(rng, source),
    }
    return rec


def console_login(rng, acct, region, t, identity, ip, mfa, ok=True):
    rec = {
        "eventVersion": "1.09", "userIdentity": identity, "eventTime": ts(t),
        "eventSource": "signin.amazonaws.com", "eventName": "ConsoleLogin", "awsRegion": region,
        "sourceIPAddress": ip, "userAgent": AGENTS[7], "requestParameters": None,
        "responseElements": {"ConsoleLogin": "Success" if ok else "Failure"},
        "additionalEventData": {"LoginTo": "https://console.aws.amazon.com/console/home",
                                "MobileVersion": "No", "MFAUsed": "Yes" if mfa else "No"},
        "eventID": uuid(rng), "readOnly": False, "eventType": "AwsConsoleSignIn",
        "managementEvent": True, "recipientAccountId": acct, "eventCategory": "Management",
    }
    if not ok:
        rec["errorMessage"] = "Failed authentication"
    return rec


def suspicious(rng, acct, region, t, counts, pending_keys):
    """One seeded suspicious event (or a short burst); returns a list of records."""
    kind = rng.choice(["root_login", "root_call", "stop_logging", "delete_trail", "admin_attached",
                       "wildcard_policy", "guardduty_deleted", "login_no_mfa", "brute_force",
                       "key_created"])
    counts[kind] = counts.get(kind, 0) + 1
    ip = rng.choice(ODD_IPS)
    user = rng.choice(USERS)
    if kind == "root_login":
        return [console_login(rng, acct, region, t, root(rng, acct), ip, mfa=rng.random() < 0.5)]
    if kind == "root_call":
        r = base(rng, acct, region, t, "iam.amazonaws.com", rng.choice(["CreateUser", "ListUsers", "CreateAccessKey"]),
                 root(rng, acct), ip, AGENTS[0], read_only=False)
        r["requestParameters"] = {"userName": "support-" + user}
        return [r]
    if kind in ("stop_logging", "delete_trail"):
        name = "StopLogging" if kind == "stop_logging" else "DeleteTrail"
        r = base(rng, acct, region, t, "cloudtrail.amazonaws.com", name, assumed_role(rng, acct, t), ip, AGENTS[0], False)
        r["requestParameters"] = {"name": f"arn:aws:cloudtrail:{region}:{acct}:trail/org-trail"}
        return [r]
    if kind == "admin_attached":
        r = base(rng, acct, region, t, "iam.amazonaws.com", "AttachUserPolicy", iam_user(rng, acct, user), ip, AGENTS[0], False)
        r["requestParameters"] = {"userName": user, "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}
        return [r]
    if kind == "wildcard_policy":
        r = base(rng, acct, region, t, "iam.amazonaws.com", "PutRolePolicy", assumed_role(rng, acct, t), ip, AGENTS[5], False)
        doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
        r["requestParameters"] = {"roleName": rng.choice(ROLES), "policyName": "break-glass", "policyDocument": json.dumps(doc)}
        return [r]
    if kind == "guardduty_deleted":
        r = base(rng, acct, region, t, "guardduty.amazonaws.com", "DeleteDetector", assumed_role(rng, acct, t), ip, AGENTS[0], False)
        r["requestParameters"] = {"detectorId": "%032x" % rng.randrange(16**32)}
        return [r]
    if kind == "login_no_mfa":
        return [console_login(rng, acct, region, t, iam_user(rng, acct, user), ip, mfa=False)]
    if kind == "brute_force":
        return [console_login(rng, acct, region, t + timedelta(seconds=9 * i),
                              iam_user(rng, acct, user), ip, mfa=False, ok=False) for i in range(6)]
    # key_created: CreateAccessKey now, used from an odd address later in this file.
    new_key = key(rng, "AKIA")
    r = base(rng, acct, region, t, "iam.amazonaws.com", "CreateAccessKey", iam_user(rng, acct, user), rng.choice(OFFICE_IPS), AGENTS[0], False)
    r["requestParameters"] = {"userName": user}
    r["responseElements"] = {"accessKey": {"accessKeyId": new_key, "status": "Active", "userName": user,
                                           "createDate": t.strftime("%b %d, %Y %I:%M:%S %p")}}
    pending_keys.append((user, new_key, ip))
    return [r]


def make_file(job):
    seed, index, acct, region, t0, target = job
    rng = random.Random(f"{seed}:{index}")
    counts = {}
    pending = []
    parts = []
    size = 14
    n = 0
    t = t0
    while size < target:
        t = t + timedelta(milliseconds=rng.randrange(5, 400))
        x = rng.random()
        if x < 0.80:
            src, names = rng.choice(READS)
            ip = rng.choice(OFFICE_IPS) if rng.random() < 0.3 else f"{src}" if rng.random() < 0.2 else "10.%d.%d.%d" % (rng.randrange(256), rng.randrange(256), rng.randrange(1, 255))
            recs = [base(rng, acct, region, t, src, rng.choice(names), assumed_role(rng, acct, t), ip, rng.choice(AGENTS[:4]))]
        elif x < 0.90:
            src, names = rng.choice(WRITES)
            r = base(rng, acct, region, t, src, rng.choice(names), assumed_role(rng, acct, t), rng.choice(OFFICE_IPS), rng.choice(AGENTS[:6]), False)
            r["responseElements"] = {"requestId": uuid(rng), "_return": True}
            recs = [r]
        elif x < 0.96:
            svc = rng.choice(SERVICES_INVOKING)
            r = base(rng, acct, region, t, "sts.amazonaws.com", "AssumeRole",
                     {"type": "AWSService", "invokedBy": svc}, svc, svc)
            role = rng.choice(ROLES)
            r["requestParameters"] = {"roleArn": f"arn:aws:iam::{acct}:role/{role}", "roleSessionName": "%d" % rng.randrange(10**12), "durationSeconds": 3600}
            r["responseElements"] = {"credentials": {"accessKeyId": key(rng, "ASIA"), "sessionToken": "IQoJb3JpZ2luX2VjEJr" + "".join(rng.choice(UPPER) for _ in range(40)), "expiration": "Mar 1, 2024, 1:00:00 PM"}}
            r["sharedEventID"] = uuid(rng)
            r["eventType"] = "AwsApiCall"
            recs = [r]
        elif x < 0.99:
            if pending and rng.random() < 0.3:
                user, k, ip = pending.pop(0)
                ident = iam_user(rng, acct, user, k)
            else:
                ident, ip = iam_user(rng, acct, rng.choice(USERS)), rng.choice(OFFICE_IPS)
            src, names = rng.choice(READS)
            recs = [base(rng, acct, region, t, src, rng.choice(names), ident, ip, AGENTS[0])]
        elif x < 0.9985:
            sso = rng.random() < 0.7
            ident = assumed_role(rng, acct, t) if sso else iam_user(rng, acct, rng.choice(USERS))
            recs = [console_login(rng, acct, region, t, ident, rng.choice(OFFICE_IPS), mfa=True)]
        else:
            recs = suspicious(rng, acct, region, t, counts, pending)
        for r in recs:
            s = json.dumps(r, separators=(",", ":"))
            parts.append(s)
            size += len(s) + 1
            n += 1
    data = ('{"Records":[' + ",".join(parts) + "]}").encode()
    return data, n, counts, t


def write_job(args):
    out, job = args
    seed, index, acct, region, t0, target = job
    data, n, counts, t_end = make_file(job)
    rng = random.Random(f"{seed}:name:{index}")
    stamp = t_end.strftime("%Y%m%dT%H%MZ")
    rand = "".join(rng.choice("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") for _ in range(16))
    rel = os.path.join("AWSLogs", acct, "CloudTrail", region, t0.strftime("%Y/%m/%d"),
                       f"{acct}_CloudTrail_{region}_{stamp}_{rand}.json.gz")
    path = os.path.join(out, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(gzip.compress(data, compresslevel=6, mtime=0))
    return rel, len(data), os.path.getsize(path), n, counts


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--size-mb", type=float, default=400)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    target = int(a.size_mb * 1_000_000)
    jobs = []
    planned = 0
    index = 0
    clocks = {(acct, region): START for acct in ACCOUNTS for region in REGIONS}
    while planned < target:
        acct = rng.choice(ACCOUNTS)
        region = rng.choice(REGIONS)
        size = min(rng.randrange(1_000_000, 5_000_000), max(target - planned, 200_000))
        t0 = clocks[(acct, region)]
        clocks[(acct, region)] = t0 + timedelta(minutes=rng.randrange(5, 90))
        jobs.append((a.seed, index, acct, region, t0, size))
        planned += size
        index += 1
    with multiprocessing.Pool(max(1, a.jobs)) as pool:
        results = pool.map(write_job, [(a.out, j) for j in jobs], chunksize=1)
    totals = {"seed": a.seed, "size_mb": a.size_mb, "files": len(results),
              "bytes": sum(r[1] for r in results), "gz_bytes": sum(r[2] for r in results),
              "records": sum(r[3] for r in results), "suspicious": {}}
    for r in results:
        for k, v in r[4].items():
            totals["suspicious"][k] = totals["suspicious"].get(k, 0) + v
    totals["suspicious"] = dict(sorted(totals["suspicious"].items()))
    totals["file_list"] = sorted(r[0] for r in results)
    with open(os.path.join(a.out, "manifest.json"), "w") as f:
        json.dump(totals, f, indent=1)
    print(json.dumps({k: v for k, v in totals.items() if k != "file_list"}))


if __name__ == "__main__":
    sys.exit(main())
