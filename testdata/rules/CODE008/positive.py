import json
import logging
import os

logger = logging.getLogger()


def lambda_handler(event, context):
    logger.info("request: %s", json.dumps(event))
    print(event)
    db_password = os.environ["DB_PASSWORD"]
    logger.debug(f"connecting with {db_password}")
    return {"statusCode": 200}
