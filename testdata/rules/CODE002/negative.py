import ast
import json
import operator

OPERATIONS = {"add": operator.add, "sub": operator.sub, "mul": operator.mul}


def handle(evt, ctx):
    body = json.loads(evt["body"])
    # Literal parsing cannot run code.
    values = ast.literal_eval(body["values"])
    # Dispatch through a table instead of eval.
    op = OPERATIONS[body["op"]]
    total = op(float(values[0]), float(values[1]))
    # eval of a constant expression is not event-controlled.
    tax = eval("0.2")
    # int() leaves only a number.
    rounded = eval(str(int(body["precision"])))
    return {"statusCode": 200, "body": json.dumps({"total": total, "tax": tax, "r": rounded})}
