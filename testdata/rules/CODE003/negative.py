import base64
import json

import yaml


def lambda_handler(event, context):
    blob = base64.b64decode(event["body"])
    session = json.loads(blob)
    settings = yaml.safe_load(event["headers"]["x-settings"])
    legacy = yaml.load(event["headers"]["x-legacy"], Loader=yaml.SafeLoader)
    fast = yaml.load(event["headers"]["x-fast"], Loader=yaml.CSafeLoader)
    return {"statusCode": 200, "body": json.dumps([session, settings, legacy, fast])}
