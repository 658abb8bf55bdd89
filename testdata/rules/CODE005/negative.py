import os
import ssl
import urllib.request

import requests
import urllib3

CA_BUNDLE = os.environ.get("CA_BUNDLE", "/opt/certs/internal-ca.pem")

# Silencing warnings alone does not turn verification off.
urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)


def lambda_handler(event, context):
    r = requests.get("https://inventory.internal.example.com/stock", verify=CA_BUNDLE, timeout=5)
    r2 = requests.get("https://api.example.com/health", verify=True, timeout=5)
    ctx = ssl.create_default_context(cafile=CA_BUNDLE)
    ctx.check_hostname = True
    ctx.verify_mode = ssl.CERT_REQUIRED
    raw = urllib.request.urlopen("https://legacy.example.com/feed", context=ctx)
    return {"statusCode": r.status_code + r2.status_code, "body": raw.read().decode()}
