"""SQS batch processor with partial batch failures.

Each message body is an order, {"id": ..., "item": ..., "quantity": N}. Messages that can't be
processed are returned in ``batchItemFailures``, so (with the event source mapping's
FunctionResponseTypes ["ReportBatchItemFailures"]) only they go back to the queue.
"""

import json


def handler(event, context):
    failures = []
    for record in event["Records"]:
        try:
            process(json.loads(record["body"]))
        except (ValueError, KeyError, TypeError) as exc:
            print(f"FAILED {record['messageId']}: {exc!r}")
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}


def process(order):
    if order["quantity"] <= 0:
        raise ValueError(f"order {order['id']}: quantity must be positive")
    print(f"order {order['id']}: {order['quantity']} x {order['item']}")
