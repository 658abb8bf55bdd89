import shlex
import subprocess

ALLOWED_TOOLS = {"uptime", "df", "free"}


def lambda_handler(event, context):
    host = event["queryStringParameters"]["host"]
    tool = event["queryStringParameters"]["tool"]
    count = event["queryStringParameters"].get("count", "1")

    # An argument list without a shell: the host is one argv entry, never parsed.
    subprocess.run(["ping", "-c", "1", host], check=True)

    # Quoted for the shell.
    subprocess.run(f"nslookup {shlex.quote(host)}", shell=True, check=True)

    # Converted to a number first.
    subprocess.run(f"ping -c {int(count)} localhost", shell=True, check=True)

    # Allow-listed before use.
    if tool not in ALLOWED_TOOLS:
        return {"statusCode": 400}
    subprocess.run(tool, shell=True, check=True)

    # A constant command with shell=True is not injectable.
    subprocess.run("df -h /tmp", shell=True, check=True)
    return {"statusCode": 200}
