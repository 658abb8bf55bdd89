import psycopg2
import stripe

stripe.api_key = "sk_live_51HqLyjWDarjtT1zdp7dcTxQ9"
AWS_ACCESS_KEY_ID = "AKIA2E0A8F3B244C9986"
DB_PASSWORD = "h7#Kq9!vRt2@Lm4zX8"


def lambda_handler(event, context):
    conn = psycopg2.connect(host="db.internal", user="orders", password="Winter2024!")
    headers = {"Authorization": "Bearer x", "api_key": "f3a9c2e71b4d8a6c5e0f9b2d7a1c4e8f"}
    return {"statusCode": 200, "conn": str(conn), "headers": headers}
