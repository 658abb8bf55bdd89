#!/usr/bin/env python3
"""Deterministic synthetic SAM/CloudFormation + Python Lambda tree for bench/scan-core.

    gen_tree.py tree   OUT --templates 1000 --py 5000 [--seed 1]
    gen_tree.py big    OUT_FILE --resources 20000 [--seed 1]
    gen_tree.py sample TREE OUT --n 100 [--seed 1]   (copy N random services)
    gen_tree.py one    TREE OUT                       (copy one service: peer fixed cost)

Layout of a tree:  OUT/services/svc-0001/template.yaml|template.json
                   OUT/services/svc-0001/src/<function>/app.py (+ helper modules)
                   OUT/manifest.json (counts, bytes, lines)

Only the standard library is used; output depends on the seed alone.
"""

import argparse
import json
import os
import random
import re
import shutil
import string
import sys

# --------------------------------------------------------------------------
# Intrinsic functions, rendered short-form in YAML and long-form in JSON.


class Fn:
    __slots__ = ("name", "value")

    def __init__(self, name, value):
        self.name = name  # Ref, Sub, GetAtt, If, Equals, Join, Select, GetAZs, ImportValue
        self.value = value

    def to_json(self):
        if self.name == "Ref":
            return {"Ref": self.value}
        if self.name == "GetAtt":
            return {"Fn::GetAtt": self.value.split(".", 1)}
        return {"Fn::" + self.name: to_json(self.value)}


def Ref(x):
    return Fn("Ref", x)


def Sub(x):
    return Fn("Sub", x)


def GetAtt(x):
    return Fn("GetAtt", x)


def If(c, a, b):
    return Fn("If", [c, a, b])


def to_json(v):
    if isinstance(v, Fn):
        return v.to_json()
    if isinstance(v, dict):
        return {k: to_json(x) for k, x in v.items()}
    if isinstance(v, list):
        return [to_json(x) for x in v]
    return v


PLAIN = re.compile(r"^[A-Za-z_/][A-Za-z0-9_./:@+ -]*[A-Za-z0-9_./)]$|^[A-Za-z_]$")
RESERVED = {"yes", "no", "true", "false", "null", "on", "off", "y", "n", "~"}


def scalar(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    if v is None:
        return "null"
    s = str(v)
    if PLAIN.match(s) and s.lower() not in RESERVED and ": " not in s and " #" not in s:
        return s
    return "'" + s.replace("'", "''") + "'"


def flow(v):
    """Inline (flow) rendering, used for intrinsics and short lists."""
    if isinstance(v, Fn):
        if v.name == "GetAtt":
            return "!GetAtt " + v.value
        return "!" + v.name + " " + flow(v.value)
    if isinstance(v, list):
        return "[" + ", ".join(flow(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{scalar(k)}: {flow(x)}" for k, x in v.items()) + "}"
    return scalar(v)


def is_inline(v):
    if isinstance(v, Fn):
        return True
    if isinstance(v, list):
        return len(v) <= 4 and all(not isinstance(x, (dict, list)) for x in v)
    return not isinstance(v, dict)


def emit(v, ind, out):
    """Block YAML for dicts/lists at indentation `ind`."""
    pad = " " * ind
    if isinstance(v, dict):
        for k, x in v.items():
            if is_inline(x) and not (isinstance(x, list) and not x):
                out.append(f"{pad}{scalar(k)}: {flow(x)}")
            elif isinstance(x, (dict, list)) and not x:
                out.append(f"{pad}{scalar(k)}: {'{}' if isinstance(x, dict) else '[]'}")
            else:
                out.append(f"{pad}{scalar(k)}:")
                emit(x, ind + 2, out)
    elif isinstance(v, list):
        for x in v:
            if is_inline(x):
                out.append(f"{pad}- {flow(x)}")
            elif isinstance(x, dict):
                sub = []
                emit(x, ind + 2, sub)
                sub[0] = pad + "- " + sub[0][ind + 2:]
                out.extend(sub)
            else:
                out.append(f"{pad}-")
                emit(x, ind + 2, out)
    else:
        out.append(pad + flow(v))


def to_yaml(doc):
    out = []
    emit(doc, 0, out)
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------
# Fake credentials (random, in the providers' formats; none are real).

UP = string.ascii_uppercase
B32 = string.ascii_uppercase + "234567"
ALNUM = string.ascii_letters + string.digits


def rs(rng, alphabet, n):
    return "".join(rng.choice(alphabet) for _ in range(n))


def fake_key(rng):
    kind = rng.randrange(5)
    if kind == 0:
        return "AWS_ACCESS_KEY_ID", "AKIA" + rs(rng, B32, 16)
    if kind == 1:
        return "GITHUB_TOKEN", "ghp_" + rs(rng, ALNUM, 36)
    if kind == 2:
        return "STRIPE_API_KEY", "sk_live_" + rs(rng, ALNUM, 24)
    if kind == 3:
        return "SLACK_TOKEN", "xoxb-" + rs(rng, string.digits, 11) + "-" + rs(rng, string.digits, 12) + "-" + rs(rng, ALNUM, 24)
    return "AWS_SECRET_ACCESS_KEY", rs(rng, ALNUM + "/+", 40)


# --------------------------------------------------------------------------
# Templates

DOMAINS = ["orders", "billing", "users", "inventory", "shipping", "catalog", "search", "audit",
           "notify", "reports", "images", "payments", "auth", "media", "events", "ledger"]
VERBS = ["create", "get", "list", "update", "delete", "process", "sync", "export", "import",
         "resize", "notify", "validate", "archive", "reconcile", "enrich", "dispatch"]
SAM_POLICIES = [
    ("DynamoDBCrudPolicy", "TableName", "table"),
    ("DynamoDBReadPolicy", "TableName", "table"),
    ("S3CrudPolicy", "BucketName", "bucket"),
    ("S3ReadPolicy", "BucketName", "bucket"),
    ("SQSSendMessagePolicy", "QueueName", "queue"),
    ("SQSPollerPolicy", "QueueName", "queue"),
    ("SNSPublishMessagePolicy", "TopicName", "topic"),
    ("SSMParameterReadPolicy", "ParameterName", "param"),
    ("KMSDecryptPolicy", "KeyId", "key"),
]
WILD_ACTIONS = ["*", "s3:*", "dynamodb:*", "iam:*", "sqs:*", "lambda:*"]


def camel(s):
    return "".join(p.capitalize() for p in re.split(r"[_-]", s))


def policy_statement(rng, res, p_wild):
    wild = rng.random() < p_wild
    if wild:
        action = rng.choice(WILD_ACTIONS)
        resource = rng.choice(["*", "*", GetAtt(res["table"] + ".Arn")])
        return {"Effect": "Allow", "Action": action, "Resource": resource}
    kind = rng.randrange(4)
    if kind == 0:
        return {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"],
                "Resource": [GetAtt(res["table"] + ".Arn"), Sub("${" + res["table"] + ".Arn}/index/*")]}
    if kind == 1:
        return {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
                "Resource": Sub("arn:${AWS::Partition}:s3:::${" + res["bucket"] + "}/*")}
    if kind == 2:
        return {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
                "Resource": Sub("arn:aws:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:${Stage}/db-*")}
    return {"Effect": "Allow", "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], "Resource": "*"}


def function_resources(rng, fn_name, res, p, sam=True, code_dir=None):
    """One function plus its optional security group / permission. Returns {logical_id: resource}."""
    lid = camel(fn_name) + "Function"
    out = {}
    env = {
        "TABLE_NAME": Ref(res["table"]),
        "BUCKET_NAME": Ref(res["bucket"]),
        "STAGE": Ref("Stage"),
        "LOG_LEVEL": If("IsProd", "WARN", "DEBUG"),
        "POWERTOOLS_SERVICE_NAME": fn_name,
    }
    if rng.random() < 0.5:
        env["QUEUE_URL"] = Ref(res["queue"])
    if rng.random() < 0.3:
        env["API_ENDPOINT"] = Sub("https://${ApiDomain}/v1/" + fn_name)
    if rng.random() < p["secret_env"]:
        env[rng.choice(["DB_PASSWORD", "API_SECRET", "SERVICE_TOKEN"])] = rs(rng, ALNUM, 20)
    if rng.random() < p["key_env"]:
        k, v = fake_key(rng)
        env[k] = v
    code = code_dir if code_dir is not None else f"src/{fn_name}/"
    if sam:
        props = {
            "CodeUri": code,
            "Handler": "app.lambda_handler",
            "Description": f"{fn_name} handler",
            "Timeout": rng.choice([10, 30, 60, 300]),
            "MemorySize": rng.choice([128, 256, 512, 1024]),
            "Environment": {"Variables": env},
        }
        pols = []
        for _ in range(rng.randint(1, 3)):
            name, arg, kind = rng.choice(SAM_POLICIES)
            pols.append({name: {arg: Ref(res[kind])}})
        if rng.random() < 0.6:
            pols.append({"Statement": [policy_statement(rng, res, p["wild"]) for _ in range(rng.randint(1, 3))]})
        if rng.random() < 0.15:
            pols.append("AWSLambdaVPCAccessExecutionRole")
        if rng.random() < p["admin"]:
            pols.append("AdministratorAccess")
        props["Policies"] = pols
        ev = rng.randrange(4)
        if ev == 0:
            props["Events"] = {"Api": {"Type": "Api", "Properties": {"Path": "/" + fn_name.replace("_", "/"), "Method": rng.choice(["get", "post", "put"])}}}
        elif ev == 1:
            props["Events"] = {"Queue": {"Type": "SQS", "Properties": {"Queue": GetAtt(res["queue"] + ".Arn"), "BatchSize": 10}}}
        elif ev == 2:
            props["Events"] = {"Schedule": {"Type": "Schedule", "Properties": {"Schedule": "rate(5 minutes)"}}}
        if rng.random() < p["url_none"]:
            props["FunctionUrlConfig"] = {"AuthType": "NONE"}
        fn = {"Type": "AWS::Serverless::Function", "Properties": props}
    else:
        role = lid + "Role"
        out[role] = {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
                "ManagedPolicyArns": ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]
                + (["arn:aws:iam::aws:policy/AdministratorAccess"] if rng.random() < p["admin"] else []),
                "Policies": [{"PolicyName": fn_name + "-inline", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                    policy_statement(rng, res, p["wild"]) for _ in range(rng.randint(1, 3))]}}],
            },
        }
        fn = {"Type": "AWS::Lambda::Function", "Properties": {
            "Code": code, "Handler": "app.lambda_handler", "Runtime": "python3.12",
            "Role": GetAtt(role + ".Arn"), "Timeout": 30, "Environment": {"Variables": env}}}
    if rng.random() < 0.35:
        sg = lid + "SecurityGroup"
        cidr = "0.0.0.0/0" if rng.random() < p["open_sg"] else rng.choice(["10.0.0.0/16", "172.16.0.0/12"])
        port = rng.choice([443, 22, 5432, 3306, 80])
        out[sg] = {"Type": "AWS::EC2::SecurityGroup", "Properties": {
            "GroupDescription": f"{fn_name} lambda security group",
            "VpcId": Ref("VpcId"),
            "SecurityGroupIngress": [{"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "CidrIp": cidr}],
            "SecurityGroupEgress": [{"IpProtocol": "-1", "CidrIp": "0.0.0.0/0"}] if rng.random() < 0.5 else
            [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "10.0.0.0/8"}],
        }}
        fn["Properties"]["VpcConfig"] = {"SecurityGroupIds": [Ref(sg)], "SubnetIds": [Ref("SubnetA"), Ref("SubnetB")]}
    out[lid] = fn
    if rng.random() < 0.3:
        public = rng.random() < p["public_perm"]
        perm = {"Action": "lambda:InvokeFunction", "FunctionName": GetAtt(lid + ".Arn"),
                "Principal": "*" if public else rng.choice(["s3.amazonaws.com", "events.amazonaws.com", "sns.amazonaws.com"])}
        if not public:
            perm["SourceAccount"] = Ref("AWS::AccountId")
        out[lid + "Permission"] = {"Type": "AWS::Lambda::Permission", "Properties": perm}
    return out


DEFAULT_P = {"secret_env": 0.06, "key_env": 0.02, "wild": 0.12, "admin": 0.02, "url_none": 0.03,
             "open_sg": 0.3, "public_perm": 0.08}


def base_template(rng, name, domain):
    res = {"table": camel(domain) + "Table", "bucket": camel(domain) + "Bucket",
           "queue": camel(domain) + "Queue", "topic": camel(domain) + "Topic",
           "param": "ConfigParameterName", "key": "KmsKeyId"}
    params = {
        "Stage": {"Type": "String", "Default": "dev", "AllowedValues": ["dev", "staging", "prod"]},
        "VpcId": {"Type": "AWS::EC2::VpcId", "Default": "vpc-" + rs(rng, "0123456789abcdef", 8)},
        "SubnetA": {"Type": "AWS::EC2::Subnet::Id", "Default": "subnet-" + rs(rng, "0123456789abcdef", 8)},
        "SubnetB": {"Type": "AWS::EC2::Subnet::Id", "Default": "subnet-" + rs(rng, "0123456789abcdef", 8)},
        "ApiDomain": {"Type": "String", "Default": f"{domain}.example.com"},
        "ConfigParameterName": {"Type": "String", "Default": f"/{name}/config"},
        "KmsKeyId": {"Type": "String", "Default": rs(rng, "0123456789abcdef", 8) + "-1111-2222-3333-" + rs(rng, "0123456789abcdef", 12)},
    }
    if rng.random() < 0.1:
        params["DbPassword"] = {"Type": "String", "NoEcho": True, "Default": rs(rng, ALNUM, 16)}
    resources = {
        res["table"]: {"Type": "AWS::DynamoDB::Table", "Properties": {
            "TableName": Sub("${AWS::StackName}-" + domain),
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": If("IsProd", True, False)},
        }},
        res["bucket"]: {"Type": "AWS::S3::Bucket", "Properties": {
            "BucketName": Sub("${AWS::StackName}-" + domain + "-${AWS::AccountId}"),
            "VersioningConfiguration": {"Status": "Enabled"},
            "PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                                               "IgnorePublicAcls": True, "RestrictPublicBuckets": True},
        }},
        res["queue"]: {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": 300,
                                                                 "KmsMasterKeyId": "alias/aws/sqs"}},
        res["topic"]: {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": Sub("${AWS::StackName}-" + domain)}},
    }
    doc = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Transform": "AWS::Serverless-2016-10-31",
        "Description": f"{name}: {domain} service",
        "Parameters": params,
        "Conditions": {"IsProd": Fn("Equals", [Ref("Stage"), "prod"])},
        "Globals": {"Function": {"Runtime": "python3.12", "Tracing": "Active", "Architectures": ["arm64"]}},
        "Resources": resources,
    }
    return doc, res


def write_tree(out, n_tpl, n_py, seed):
    rng = random.Random(seed)
    svc_root = os.path.join(out, "services")
    os.makedirs(svc_root, exist_ok=True)
    # Partition the python files over the services: at least one each.
    counts = [1] * n_tpl
    for _ in range(max(0, n_py - n_tpl)):
        counts[rng.randrange(n_tpl)] += 1
    stats = {"templates": 0, "yaml": 0, "json": 0, "py": 0, "handlers": 0, "template_bytes": 0,
             "py_bytes": 0, "py_lines": 0, "resources": 0, "functions": 0}
    pyv = PyStats()
    for i in range(n_tpl):
        name = f"svc-{i + 1:04d}"
        domain = DOMAINS[i % len(DOMAINS)]
        d = os.path.join(svc_root, name)
        doc, res = base_template(rng, name, domain)
        sam = rng.random() < 0.85
        # Functions: each gets app.py, and sometimes helper modules, until the file budget is used.
        left = counts[i]
        fns = []
        while left > 0:
            fn_name = f"{rng.choice(VERBS)}_{domain}_{len(fns) + 1}"
            files = min(left, 1 + (rng.random() < 0.25) + (rng.random() < 0.1))
            fns.append((fn_name, files))
            left -= files
        for fn_name, files in fns:
            doc["Resources"].update(function_resources(rng, fn_name, res, DEFAULT_P, sam=sam))
            fdir = os.path.join(d, "src", fn_name)
            os.makedirs(fdir, exist_ok=True)
            for k in range(files):
                if k == 0:
                    text = python_handler(rng, fn_name, domain, pyv)
                    fname = "app.py"
                    stats["handlers"] += 1
                else:
                    fname = ["db.py", "utils.py"][k - 1]
                    text = python_helper(rng, fname[:-3], domain, pyv)
                with open(os.path.join(fdir, fname), "w") as f:
                    f.write(text)
                stats["py"] += 1
                stats["py_bytes"] += len(text)
                stats["py_lines"] += text.count("\n")
        stats["functions"] += len(fns)
        if not sam:
            doc.pop("Transform")
            doc.pop("Globals")
        doc["Outputs"] = {
            "TableArn": {"Value": GetAtt(res["table"] + ".Arn"),
                         "Export": {"Name": Sub("${AWS::StackName}-TableArn")}},
        }
        if sam:
            doc["Outputs"]["ApiUrl"] = {"Value": Sub("https://${ServerlessRestApi}.execute-api.${AWS::Region}.amazonaws.com/Prod/")}
        stats["resources"] += len(doc["Resources"])
        if rng.random() < 0.15:
            text = json.dumps(to_json(doc), indent=2) + "\n"
            path = os.path.join(d, "template.json")
            stats["json"] += 1
        else:
            text = f"# {name} ({domain}) - generated by bench/gen_tree.py seed={seed}\n" + to_yaml(doc)
            path = os.path.join(d, "template.yaml")
            stats["yaml"] += 1
        with open(path, "w") as f:
            f.write(text)
        stats["templates"] += 1
        stats["template_bytes"] += len(text)
    stats["seeded_python_issues"] = pyv.counts
    stats["seed"] = seed
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(stats, f, indent=2)
    return stats


def write_big(path, n_res, seed):
    """One SAM template with n_res resources (functions, roles, SGs, permissions, tables...)."""
    rng = random.Random(seed * 7919 + 1)
    doc, res = base_template(rng, "big-stack", "monolith")
    i = 0
    while len(doc["Resources"]) < n_res:
        i += 1
        domain = DOMAINS[i % len(DOMAINS)]
        if i % 7 == 0:
            doc["Resources"][f"Table{i}"] = {"Type": "AWS::DynamoDB::Table", "Properties": {
                "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}}
            continue
        fn = f"{rng.choice(VERBS)}_{domain}_{i}"
        doc["Resources"].update(function_resources(rng, fn, res, DEFAULT_P, sam=rng.random() < 0.85,
                                                   code_dir=f"src/{fn}/"))
    # Trim to exactly n_res (drop from the end; Permission/SG references stay valid enough for scanners).
    keys = list(doc["Resources"])
    for k in keys[n_res:]:
        del doc["Resources"][k]
    text = "# 20k-resource stress template - generated by bench/gen_tree.py\n" + to_yaml(doc)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    return {"resources": len(doc["Resources"]), "bytes": len(text), "lines": text.count("\n")}


# --------------------------------------------------------------------------
# Python


class PyStats:
    def __init__(self):
        self.counts = {}

    def hit(self, k):
        self.counts[k] = self.counts.get(k, 0) + 1


IMPORTS = ["import json", "import logging", "import os", "import re", "import time", "import uuid",
           "import base64", "import hashlib", "from datetime import datetime, timezone",
           "from decimal import Decimal"]


def safe_helper(rng, idx, domain):
    """A plausible, harmless helper function (5-20 lines)."""
    kind = rng.randrange(8)
    n = f"{rng.choice(['_parse', '_load', '_build', '_check', '_format', '_to', '_normalize'])}_{rng.choice(['item', 'record', 'body', 'key', 'payload', 'row'])}_{idx}"
    if kind == 0:
        return f'''def {n}(body):
    """Parse the request body, which may be base64 encoded."""
    if body is None:
        return {{}}
    if isinstance(body, dict):
        return body
    try:
        return json.loads(body)
    except ValueError:
        logger.warning("body is not JSON: %.40s", body)
        return {{}}
'''
    if kind == 1:
        return f'''def {n}(item):
    out = {{}}
    for key, value in item.items():
        if isinstance(value, float):
            out[key] = Decimal(str(value))
        elif isinstance(value, dict):
            out[key] = {n}(value)
        else:
            out[key] = value
    return out
'''
    if kind == 2:
        return f'''def {n}(record):
    """Validate one {domain} record; raise ValueError on bad input."""
    required = ("id", "tenant", "created_at")
    missing = [k for k in required if k not in record]
    if missing:
        raise ValueError("missing fields: " + ", ".join(missing))
    if not re.fullmatch(r"[A-Za-z0-9-]{{1,64}}", str(record["id"])):
        raise ValueError("bad id")
    if len(record.get("note", "")) > 1024:
        raise ValueError("note too long")
    return record
'''
    if kind == 3:
        return f'''def {n}(status, payload):
    return {{
        "statusCode": status,
        "headers": {{"Content-Type": "application/json", "X-Service": "{domain}"}},
        "body": json.dumps(payload, default=str),
    }}
'''
    if kind == 4:
        return f'''def {n}(pk, sk=None):
    key = {{"pk": {{"S": str(pk)}}}}
    if sk is not None:
        key["sk"] = {{"S": str(sk)}}
    return key
'''
    if kind == 5:
        return f'''def {n}(values, size=25):
    batch = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
'''
    if kind == 6:
        return f'''def {n}(text):
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return f"{{stamp}}-{{digest[:12]}}"
'''
    return f'''def {n}(event):
    records = event.get("Records") or []
    result = []
    for record in records:
        source = record.get("eventSource", "")
        if source == "aws:sqs":
            result.append(json.loads(record["body"]))
        elif source == "aws:s3":
            result.append(record["s3"]["object"]["key"])
        else:
            logger.debug("skipping %s", source)
    return result
'''


def body_block(rng, domain, pyv, vuln):
    """A block of statements for the handler body, indented 4 spaces; returns (lines, imports)."""
    if vuln:
        kind = rng.randrange(9)
        if kind == 0:
            pyv.hit("subprocess_shell_event")
            return ([f'    key = event["{rng.choice(["key", "file", "name"])}"]',
                     '    subprocess.run(f"convert /tmp/{key} -resize 200x200 /tmp/thumb.png", shell=True, check=True)'],
                    ["import subprocess"])
        if kind == 1:
            pyv.hit("subprocess_shell_event")
            return (['    cmd = event.get("command", "echo")',
                     '    proc = subprocess.run(cmd, shell=True, capture_output=True, text=True)',
                     '    logger.info("exit %s", proc.returncode)'], ["import subprocess"])
        if kind == 2:
            pyv.hit("sql_fstring_event")
            return (['    conn = _connect()', '    cursor = conn.cursor()',
                     f'    cursor.execute(f"SELECT * FROM {domain} WHERE id = \'{{event[\'id\']}}\'")',
                     '    rows = cursor.fetchall()'], [])
        if kind == 3:
            pyv.hit("sql_concat_event")
            return (['    cursor = _connect().cursor()',
                     '    query = "DELETE FROM sessions WHERE user_id = " + event["pathParameters"]["user"]',
                     '    cursor.execute(query)'], [])
        if kind == 4:
            pyv.hit("ssrf_requests_event")
            return (['    resp = requests.get(event["url"], timeout=5)', '    body = resp.text[:1000]'],
                    ["import requests"])
        if kind == 5:
            pyv.hit("verify_false")
            return (['    resp = requests.post(os.environ.get("API_ENDPOINT", "https://api.internal"), json=event, verify=False, timeout=10)',
                     '    resp.raise_for_status()'], ["import requests"])
        if kind == 6:
            pyv.hit("eval_event")
            return (['    expr = event.get("queryStringParameters", {}).get("expr", "0")',
                     '    value = eval(expr)'], [])
        if kind == 7:
            pyv.hit("pickle_loads")
            return (['    blob = base64.b64decode(event["body"])', '    obj = pickle.loads(blob)'], ["import pickle"])
        pyv.hit("os_system_event")
        return (['    os.system("tar xzf /tmp/" + event["archive"] + " -C /tmp/out")'], [])
    kind = rng.randrange(7)
    if kind == 0:
        return (['    table = dynamodb.Table(os.environ["TABLE_NAME"])',
                 '    item = {"pk": str(uuid.uuid4()), "created_at": int(time.time())}',
                 '    item.update(_clean(event.get("detail", {})))',
                 '    table.put_item(Item=item)'], [])
    if kind == 1:
        return (['    obj = s3.get_object(Bucket=os.environ["BUCKET_NAME"], Key=event["key"])',
                 '    data = obj["Body"].read()',
                 '    logger.info("read %d bytes", len(data))'], [])
    if kind == 2:
        return (['    cursor = _connect().cursor()',
                 f'    cursor.execute("SELECT id, status FROM {domain} WHERE tenant = %s", (event.get("tenant"),))',
                 '    rows = cursor.fetchall()'], [])
    if kind == 3:
        return (['    proc = subprocess.run(["ls", "-la", "/tmp"], capture_output=True, text=True, check=False)',
                 '    logger.debug(proc.stdout)'], ["import subprocess"])
    if kind == 4:
        return (['    resp = requests.get("https://status.example.com/health", timeout=3)',
                 '    healthy = resp.status_code == 200'], ["import requests"])
    if kind == 5:
        return (['    for record in event.get("Records", []):',
                 '        msg = json.loads(record["body"])',
                 '        sqs.send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody=json.dumps(msg))'], [])
    return (['    started = time.monotonic()', '    items = []',
             '    for i in range(int(event.get("limit", 10))):',
             '        items.append({"n": i, "ts": time.time()})',
             '    logger.info("built %d items in %.3fs", len(items), time.monotonic() - started)'], [])


def python_handler(rng, fn_name, domain, pyv):
    target = rng.randint(50, 200)
    imports = set(IMPORTS + ["import json", "import logging", "import os",
                                                            "import time", "import uuid", "import base64"])
    head_extra = []
    if rng.random() < 0.015:
        k, v = fake_key(rng)
        head_extra.append(f'{k} = "{v}"')
        pyv.hit("hardcoded_key")
    blocks = []
    n_blocks = rng.randint(2, 5)
    vuln_p = 0.08
    for _ in range(n_blocks):
        lines, imps = body_block(rng, domain, pyv, rng.random() < vuln_p)
        imports.update(imps)
        blocks.append(lines)
    if any("requests" in i for i in imports):
        imports.add("import requests")
    helpers = []
    size_so_far = 30 + sum(len(b) for b in blocks)
    idx = 0
    while size_so_far < target:
        h = safe_helper(rng, idx, domain)
        helpers.append(h)
        size_so_far += h.count("\n") + 2
        idx += 1
    lines = [f'"""{fn_name}: {domain} Lambda handler (synthetic, bench/gen_tree.py)."""', ""]
    lines += sorted(imports)
    lines += ["", "import boto3", "", "logger = logging.getLogger()",
              'logger.setLevel(os.environ.get("LOG_LEVEL", "INFO"))',
              'dynamodb = boto3.resource("dynamodb")', 's3 = boto3.client("s3")', 'sqs = boto3.client("sqs")']
    lines += head_extra
    lines += ["", "",
              "def _connect():",
              "    import pymysql",
              '    return pymysql.connect(host=os.environ.get("DB_HOST", "localhost"), user="app",',
              '                           password=os.environ.get("DB_PASSWORD", ""), database="' + domain + '")',
              "", "",
              "def _clean(d):",
              '    return {k: v for k, v in d.items() if not k.startswith("_")}', "", ""]
    for h in helpers:
        lines += h.rstrip("\n").split("\n") + ["", ""]
    lines += ["def lambda_handler(event, context):",
              f'    """Entry point for {fn_name}."""',
              '    logger.info("request %s", getattr(context, "aws_request_id", "-"))',
              "    try:"]
    for b in blocks:
        lines += ["    " + ln for ln in b]
    lines += ["    except (KeyError, ValueError) as exc:",
              '        logger.warning("bad request: %s", exc)',
              '        return {"statusCode": 400, "body": json.dumps({"error": str(exc)})}',
              '    return {"statusCode": 200, "body": json.dumps({"ok": True})}', ""]
    return "\n".join(lines)


def python_helper(rng, module, domain, pyv):
    lines = [f'"""{module} helpers for the {domain} service (synthetic)."""', "",
             "import hashlib", "import json", "import logging", "import re", "import time",
             "from datetime import datetime, timezone", "from decimal import Decimal", "",
             "logger = logging.getLogger(__name__)", "", ""]
    target = rng.randint(50, 200)
    idx = 0
    if rng.random() < 0.03:
        k, v = fake_key(rng)
        lines += [f'{k} = "{v}"', "", ""]
        pyv.hit("hardcoded_key")
    if rng.random() < 0.05:
        lines += ["def run_report(name):", "    import subprocess",
                  '    return subprocess.check_output("report.sh " + name, shell=True)', "", ""]
        pyv.hit("subprocess_shell_param")
    while len(lines) < target:
        lines += safe_helper(rng, idx, domain).rstrip("\n").split("\n") + ["", ""]
        idx += 1
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------
# Sampling (for the slow peers)


def services(tree):
    root = os.path.join(tree, "services")
    return sorted(os.listdir(root))


def count_files(d):
    tpl = py = 0
    for dp, _, fs in os.walk(d):
        for f in fs:
            if f.endswith(".py"):
                py += 1
            elif f.endswith((".yaml", ".json")) and f != "manifest.json":
                tpl += 1
    return tpl, py


def copy_services(tree, out, names):
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(os.path.join(out, "services"))
    for n in names:
        shutil.copytree(os.path.join(tree, "services", n), os.path.join(out, "services", n))
    tpl, py = count_files(out)
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump({"templates": tpl, "py": py, "services": names}, f, indent=2)
    return {"templates": tpl, "py": py}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("tree")
    t.add_argument("out")
    t.add_argument("--templates", type=int, default=1000)
    t.add_argument("--py", type=int, default=5000)
    t.add_argument("--seed", type=int, default=1)
    b = sub.add_parser("big")
    b.add_argument("out")
    b.add_argument("--resources", type=int, default=20000)
    b.add_argument("--seed", type=int, default=1)
    s = sub.add_parser("sample")
    s.add_argument("tree")
    s.add_argument("out")
    s.add_argument("--n", type=int, default=100)
    s.add_argument("--seed", type=int, default=1)
    o = sub.add_parser("one")
    o.add_argument("tree")
    o.add_argument("out")
    a = ap.parse_args()
    if a.cmd == "tree":
        if os.path.exists(a.out):
            shutil.rmtree(a.out)
        st = write_tree(a.out, a.templates, a.py, a.seed)
        print(json.dumps({k: v for k, v in st.items() if k != "seeded_python_issues"}))
    elif a.cmd == "big":
        print(json.dumps(write_big(a.out, a.resources, a.seed)))
    elif a.cmd == "sample":
        names = services(a.tree)
        pick = sorted(random.Random(a.seed).sample(names, min(a.n, len(names))))
        print(json.dumps(copy_services(a.tree, a.out, pick)))
    elif a.cmd == "one":
        print(json.dumps(copy_services(a.tree, a.out, services(a.tree)[:1])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
