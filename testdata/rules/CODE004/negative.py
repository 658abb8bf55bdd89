import json
import os

import pymysql

SORT_COLUMNS = ("created_at", "total", "status")

conn = pymysql.connect(host=os.environ["DB_HOST"], user="app", password=os.environ["DB_PASSWORD"])


def lambda_handler(event, context):
    params = event["queryStringParameters"]
    sort = params.get("sort", "created_at")
    with conn.cursor() as cur:
        # Parameterised: the value travels separately from the SQL text.
        cur.execute("SELECT * FROM orders WHERE status = %s", (params["status"],))
        cur.executemany("INSERT INTO audit (who) VALUES (%s)", [(params["user"],)])
        # Identifiers cannot be parameters: allow-list them.
        if sort not in SORT_COLUMNS:
            return {"statusCode": 400}
        cur.execute(f"SELECT id, total FROM orders ORDER BY {sort}")
        # Numbers only.
        cur.execute(f"SELECT * FROM orders LIMIT {int(params.get('limit', '10'))}")
        rows = cur.fetchall()
    return {"statusCode": 200, "body": json.dumps(rows)}
