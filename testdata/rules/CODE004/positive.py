import json
import os

import pymysql

conn = pymysql.connect(host=os.environ["DB_HOST"], user="app", password=os.environ["DB_PASSWORD"])


def find_customer(email):
    with conn.cursor() as cur:
        cur.execute("SELECT * FROM customers WHERE email = '%s'" % email)
        return cur.fetchone()


def lambda_handler(event, context):
    params = event["queryStringParameters"]
    sort = params.get("sort", "created_at")
    with conn.cursor() as cur:
        cur.execute(f"SELECT id, total FROM orders ORDER BY {sort}")
        query = "SELECT * FROM orders WHERE status = '" + params["status"] + "'"
        cur.execute(query)
        cur.execute("DELETE FROM carts WHERE id = {}".format(params["cart"]))
    return {"statusCode": 200, "body": json.dumps(find_customer(params["email"]))}
