import ssl
import urllib.request

import requests


def lambda_handler(event, context):
    r = requests.get("https://inventory.internal.example.com/stock", verify=False, timeout=5)
    session = requests.Session()
    session.verify = False
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    raw = urllib.request.urlopen("https://legacy.example.com/feed", context=ssl._create_unverified_context())
    return {"statusCode": r.status_code, "body": raw.read().decode()}
