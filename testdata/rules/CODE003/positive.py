import base64
import pickle

import yaml


def lambda_handler(event, context):
    blob = base64.b64decode(event["body"])
    session = pickle.loads(blob)
    settings = yaml.load(event["headers"]["x-settings"], Loader=yaml.Loader)
    return {"statusCode": 200, "body": str(session) + str(settings)}


def load_defaults(path):
    # yaml.load without a safe loader is flagged even on local files.
    with open(path) as fh:
        return yaml.load(fh)
