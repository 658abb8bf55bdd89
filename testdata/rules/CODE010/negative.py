import hashlib
import json
import os


def lambda_handler(event, context):
    body = json.loads(event["body"])
    password = body["password"]
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)
    kdf = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 600_000)
    etag = hashlib.md5(body["document"].encode()).hexdigest()
    cache_key = hashlib.md5(password.encode(), usedforsecurity=False).hexdigest()
    salted = hashlib.sha256(salt + password.encode()).hexdigest()
    return {"statusCode": 200, "body": digest.hex() + kdf.hex() + etag + cache_key + salted}
