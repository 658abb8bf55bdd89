"""Orders API: look up orders, export reports, apply discounts, notify partners."""

import base64
import json
import os
import sqlite3
import subprocess

import boto3
import requests

DB_PATH = os.environ.get("DB_PATH", "/tmp/orders.db")
PARTNER_WEBHOOK = "https://partners.example.com/hooks/orders"
PARTNER_API = "https://partners.example.com/api"
STRIPE_SECRET_ID = os.environ.get("STRIPE_SECRET_ID", "orders/stripe")

# Discounts are looked up, never evaluated.
DISCOUNTS = {"NONE": 0.0, "SPRING10": 0.10, "VIP20": 0.20}
REPORTS = {"daily", "weekly", "monthly"}

_secrets = boto3.client("secretsmanager")


def _stripe_key():
    return _secrets.get_secret_value(SecretId=STRIPE_SECRET_ID)["SecretString"]


def _response(status, payload):
    return {"statusCode": status, "body": json.dumps(payload)}


def get_order(order_id):
    conn = sqlite3.connect(DB_PATH)
    cur = conn.cursor()
    # Parameterised: the driver quotes the value.
    cur.execute("SELECT id, customer, total FROM orders WHERE id = ?", (order_id,))
    row = cur.fetchone()
    return {"id": row[0], "customer": row[1], "total": row[2]} if row else None


def export_report(name):
    if name not in REPORTS:
        raise ValueError("unknown report")
    # Argument list, no shell.
    out = subprocess.check_output(["zip", "-r", f"/tmp/{name}.zip", "/tmp/reports"])
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
        rate = DISCOUNTS.get(body.get("code", "NONE"), 0.0)
        total = float(body["subtotal"]) * (1 - rate)
        return _response(200, {"total": total})

    if action == "restore-cart":
        # JSON cannot construct objects.
        cart = json.loads(base64.b64decode(body["cart"]))
        return _response(200, {"items": len(cart)})

    if action == "notify":
        order_id = int(body["id"])
        # The host is fixed; only the numeric id comes from the request.
        resp = requests.post(f"{PARTNER_API}/orders/{order_id}/notify", timeout=5)
        requests.post(PARTNER_WEBHOOK, json={"order": order_id}, timeout=5)
        return _response(resp.status_code, {"ok": resp.ok})

    return _response(400, {"error": "unknown action"})
