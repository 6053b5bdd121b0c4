"""GET /orders/{id} behind the template's HTTP API (payload format 2.0)."""

import json


def handler(event, context):
    order_id = event["pathParameters"]["id"]
    return {"statusCode": 200, "headers": {"content-type": "application/json"},
            "body": json.dumps({"id": order_id, "status": "shipped"})}
