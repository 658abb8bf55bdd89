import os

import boto3

# References to secrets, not secrets.
DB_PASSWORD_PARAM = "/orders/prod/db-password"
STRIPE_SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:stripe-AbCdEf"
API_TOKEN_URL = "https://auth.example.com/oauth2/token"
SECRET_NAME = "orders/stripe"

# Read at runtime.
DB_PASSWORD = os.environ["DB_PASSWORD"]
API_KEY = os.getenv("API_KEY", "")
TOKEN = boto3.client("ssm").get_parameter(Name=DB_PASSWORD_PARAM, WithDecryption=True)

# Placeholders and documentation values.
EXAMPLE_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
password = "changeme"
api_key = "<your-api-key>"


def lambda_handler(event, context):
    token = event["headers"].get("authorization", "")
    return {"statusCode": 200, "secret": SECRET_NAME, "ok": bool(token and DB_PASSWORD and API_KEY and TOKEN)}
