import json
import urllib.request

import httpx
import requests


def lambda_handler(event, context):
    body = json.loads(event["body"])
    # "Fetch a preview of this link": the caller can point it at 169.254.169.254.
    preview = requests.get(body["url"], timeout=5)
    avatar = urllib.request.urlopen(event["queryStringParameters"]["avatar"])
    host = body["webhook_host"]
    httpx.post(f"https://{host}/notify", json={"ok": True})
    requests.request("GET", "http://" + host + "/status")
    return {"statusCode": 200, "body": preview.text + str(avatar.status)}
