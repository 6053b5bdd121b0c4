"""The code baked into the test Image function."""

import os


def handler(event, context):
    return {"from": "image", "cwd": os.getcwd(), "handler": os.environ.get("_HANDLER")}


def other(event, context):
    return {"from": "image-other", "event": event}
