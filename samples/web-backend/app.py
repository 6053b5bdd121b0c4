"""A small JSON API behind an HTTP API: GET /items and GET /items/{id} (payload format 2.0).

The authorizer's context (who is calling) arrives in requestContext.authorizer.lambda.
"""

import json

ITEMS = {"1": {"id": "1", "name": "tea", "price": 3}, "2": {"id": "2", "name": "cake", "price": 5}}


def handler(event, context):
    user = event["requestContext"].get("authorizer", {}).get("lambda", {}).get("user", "anonymous")
    print(f"{user} asked for {event['rawPath']}")
    item_id = (event.get("pathParameters") or {}).get("id")
    if item_id is None:
        return {"items": list(ITEMS.values()), "user": user}  # a plain return: API Gateway makes it a 200 JSON
    if item_id not in ITEMS:
        return {"statusCode": 404, "headers": {"content-type": "application/json"},
                "body": json.dumps({"message": f"no item {item_id}"})}
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(ITEMS[item_id])}
