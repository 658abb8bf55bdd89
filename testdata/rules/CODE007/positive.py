import os
import shutil
from pathlib import Path

REPORTS = "/tmp/reports"


def lambda_handler(event, context):
    name = event["queryStringParameters"]["file"]
    with open(os.path.join(REPORTS, name)) as fh:
        body = fh.read()
    os.remove(f"/tmp/cache/{event['pathParameters']['key']}")
    shutil.copy(Path(REPORTS) / name, "/tmp/out.csv")
    text = Path(REPORTS, event["headers"]["x-template"]).read_text()
    return {"statusCode": 200, "body": body + text}
