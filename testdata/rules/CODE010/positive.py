import hashlib
import json


def lambda_handler(event, context):
    body = json.loads(event["body"])
    password = body["password"]
    legacy = hashlib.md5(password.encode()).hexdigest()
    salted_sha1 = hashlib.sha1((body["salt"] + password).encode()).hexdigest()
    plain = hashlib.sha256(password.encode("utf-8")).hexdigest()
    other = hashlib.new("md5", body["new_password"].encode()).hexdigest()
    return {"statusCode": 200, "body": legacy + salted_sha1 + plain + other}
