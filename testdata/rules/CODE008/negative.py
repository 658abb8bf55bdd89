import logging
import os

logger = logging.getLogger()


def lambda_handler(event, context):
    logger.info("request %s", event["requestContext"]["requestId"])
    db_password = os.environ["DB_PASSWORD"]
    db_password_arn = os.environ["DB_PASSWORD_ARN"]
    logger.debug("connecting to the database with the secret at %s", db_password_arn)
    print("ok", len(db_password))
    return {"statusCode": 200}
