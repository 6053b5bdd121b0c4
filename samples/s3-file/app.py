"""File processing on S3 events: one summary per created or deleted object.

The key in an S3 event is URL-encoded (spaces as ``+``): decode it before use.
A real function would now fetch the object with boto3 (``s3.get_object``).
"""

import os
from urllib.parse import unquote_plus


def handler(event, context):
    results = []
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = unquote_plus(record["s3"]["object"]["key"])
        action = "processed" if record["eventName"].startswith("ObjectCreated:") else "forgot"
        summary = {
            "action": action,
            "bucket": bucket,
            "key": key,
            "type": os.path.splitext(key)[1].lstrip(".").lower() or "none",
            "size": record["s3"]["object"].get("size", 0),
        }
        print(f"{action} s3://{bucket}/{key}")
        results.append(summary)
    return {"files": results}
