"""Orders API: look up orders, export reports, apply discounts, notify partners."""

import base64
import json
import os
import pickle
import sqlite3
import subprocess

import requests

DB_PATH = os.environ.get("DB_PATH", "/tmp/orders.db")
PARTNER_WEBHOOK = "https://partners.example.com/hooks/orders"

# Hard-coded credentials (ENV003).
STRIPE_API_KEY = "sk_live_4eC39HqLyjWDarjtT1zdp7dcTx"
DB_PASSWORD = "Pr0d-0rders!2024#x"


def _response(status, payload):
    return {"statusCode": status, "body": json.dumps(payload)}


def get_order(order_id):
    conn = sqlite3.connect(DB_PATH)
    cur = conn.cursor()
    # CODE004: the id is pasted into the SQL text.
    cur.execute(f"SELECT id, customer, total FROM orders WHERE id = '{order_id}'")
    row = cur.fetchone()
    return {"id": row[0], "customer": row[1], "total": row[2]} if row else None


def export_report(name):
    # CODE001: the report name goes through a shell.
    out = subprocess.check_output(f"zip -r /tmp/{name}.zip /tmp/reports", shell=True)
    return out.decode()


def lambda_handler(event, context):
    params = event.get("queryStringParameters") or {}
    body = json.loads(event.get("body") or "{}")
    action = params.get("action", "get")

    if action == "get":
        order = get_order(params["id"])
        return _response(200 if order else 404, order or {"error": "not found"})

    if action == "export":
        return _response(200, {"log": export_report(params.get("name", "daily"))})

    if action == "discount":
        # CODE002: discount rules arrive as Python expressions.
        total = eval(body["discount_expr"])
        return _response(200, {"total": total})

    if action == "restore-cart":
        # CODE003: the saved cart is a pickle from the client.
        cart = pickle.loads(base64.b64decode(body["cart"]))
        return _response(200, {"items": len(cart)})

    if action == "notify":
        # CODE006: the client picks the callback URL.
        callback = body["callback_url"]
        resp = requests.post(callback, json={"order": body.get("id")}, timeout=5)
        # CODE005: certificate checks are off for the partner webhook.
        requests.post(PARTNER_WEBHOOK, json={"order": body.get("id")}, verify=False, timeout=5)
        return _response(resp.status_code, {"ok": resp.ok})

    return _response(400, {"error": "unknown action"})
