"""An HTTP API behind a function URL (payload format 2.0).

GET  /hello?name=NAME   -> 200 {"message": "hello NAME"}
POST /echo              -> 200 the JSON body back
anything else           -> 404
"""

import base64
import json


def handler(event, context):
    method = event["requestContext"]["http"]["method"]
    path = event["rawPath"]
    if method == "GET" and path == "/hello":
        name = (event.get("queryStringParameters") or {}).get("name", "world")
        return reply(200, {"message": f"hello {name}"})
    if method == "POST" and path == "/echo":
        body = event.get("body") or ""
        if event.get("isBase64Encoded"):
            body = base64.b64decode(body).decode()
        try:
            return reply(200, json.loads(body or "null"))
        except ValueError:
            return reply(400, {"error": "body is not JSON"})
    return reply(404, {"error": f"no route for {method} {path}"})


def reply(status, data):
    return {"statusCode": status, "headers": {"content-type": "application/json"}, "body": json.dumps(data)}
