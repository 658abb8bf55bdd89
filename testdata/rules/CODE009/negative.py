import tempfile


def lambda_handler(event, context):
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as fh:
        fh.write("id,total\n")
    fd, other = tempfile.mkstemp(suffix=".json")
    return {"statusCode": 200, "body": fh.name + other + str(fd)}
