"""Processes orders from every source the template wires to it: the queue, uploads and the nightly schedule."""

import json
import os


def handler(event, context):
    for record in event.get("Records") or [event]:
        source = record.get("eventSource") or record.get("source")
        if source == "aws:sqs":
            order = json.loads(record["body"])
            print(f"processed order {order['id']} ({os.environ['STAGE']})")
        elif source == "aws:s3":
            print(f"upload {record['s3']['object']['key']}")
        else:
            print(f"nightly run at {record.get('time')}")
    return {"ok": True}
