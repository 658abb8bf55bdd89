import json
import os
from urllib.parse import quote

import requests

API_BASE = os.environ["API_BASE"]
ALLOWED_FEEDS = {"https://feeds.example.com/a.xml", "https://feeds.example.com/b.xml"}


def lambda_handler(event, context):
    body = json.loads(event["body"])
    item = body["item"]
    # Fixed scheme and host; the caller only picks the path.
    r1 = requests.get(f"https://api.example.com/items/{quote(item)}", timeout=5)
    r2 = requests.get(API_BASE + "/items/" + item, timeout=5)
    r3 = requests.get("https://api.example.com/search", params={"q": body["q"]}, timeout=5)
    r4 = requests.get(f"https://api.example.com/orders/{int(body['order'])}", timeout=5)
    feed = body["feed"]
    if feed not in ALLOWED_FEEDS:
        return {"statusCode": 400}
    r5 = requests.get(feed, timeout=5)
    url = "https://api.example.com/users/%s" % item
    r6 = requests.get(url, timeout=5)
    return {"statusCode": 200, "body": str([r.status_code for r in (r1, r2, r3, r4, r5, r6)])}
