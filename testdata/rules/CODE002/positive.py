import json


def handle(evt, ctx):
    body = json.loads(evt["body"])
    # A "formula" field from the client is run as Python.
    price = eval(body["formula"])
    exec("result = " + body["post_process"])
    code = compile(body["script"], "<rule>", "exec")
    return {"statusCode": 200, "body": json.dumps({"price": price, "code": str(code)})}
