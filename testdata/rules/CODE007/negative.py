import os
from pathlib import Path

REPORTS = "/tmp/reports"
TEMPLATES = {"invoice.txt", "receipt.txt"}


def lambda_handler(event, context):
    name = event["queryStringParameters"]["file"]
    with open(os.path.join(REPORTS, os.path.basename(name))) as fh:
        body = fh.read()
    path = os.path.realpath(os.path.join(REPORTS, event["pathParameters"]["key"]))
    if not path.startswith(REPORTS + os.sep):
        return {"statusCode": 400}
    os.remove(path)
    template = event["headers"]["x-template"]
    if template not in TEMPLATES:
        return {"statusCode": 400}
    text = Path(REPORTS, template).read_text()
    with open("/tmp/static.txt") as fh:
        body += fh.read()
    return {"statusCode": 200, "body": body + text}
