"""A file-processing pipeline: count the lines and words of each file uploaded to the input bucket and
write the result as JSON to the output bucket (OUTPUT_BUCKET), under the same key plus ``.json``.

S3 invokes it with ``ObjectCreated`` events. It talks to S3 with a small SigV4 client from the standard
library, so the package needs no dependencies: against AWS it signs with the function's role
credentials; under ``lambdactl serve`` the same code reaches the embedded S3 through
``AWS_ENDPOINT_URL_S3``.
"""

import datetime
import hashlib
import hmac
import json
import os
import urllib.request
from urllib.parse import quote, unquote_plus


def handler(event, context):
    results = []
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = unquote_plus(record["s3"]["object"]["key"])  # keys arrive URL-encoded, spaces as '+'
        text = s3_request("GET", bucket, key).decode("utf-8", errors="replace")
        summary = {"source": f"s3://{bucket}/{key}", "lines": len(text.splitlines()), "words": len(text.split()),
                   "bytes": record["s3"]["object"]["size"]}
        s3_request("PUT", os.environ["OUTPUT_BUCKET"], key + ".json", json.dumps(summary).encode())
        print(f"counted s3://{bucket}/{key}: {summary['lines']} lines")
        results.append(summary)
    return {"files": results}


def s3_request(method, bucket, key, body=b""):
    """One path-style S3 request, signed with Signature Version 4."""
    region = os.environ.get("AWS_REGION", "us-east-1")
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or f"https://s3.{region}.amazonaws.com"
    host = endpoint.split("://", 1)[1].rstrip("/")
    path = f"/{bucket}/{quote(key, safe='/~')}"
    now = datetime.datetime.now(datetime.timezone.utc)
    stamp, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    payload_hash = hashlib.sha256(body).hexdigest()
    headers = {"host": host, "x-amz-content-sha256": payload_hash, "x-amz-date": stamp}
    if os.environ.get("AWS_SESSION_TOKEN"):
        headers["x-amz-security-token"] = os.environ["AWS_SESSION_TOKEN"]
    signed = ";".join(sorted(headers))
    canonical = "\n".join([method, path, "", *(f"{name}:{headers[name]}" for name in sorted(headers)), "",
                           signed, payload_hash])
    scope = f"{day}/{region}/s3/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key_bytes = ("AWS4" + os.environ["AWS_SECRET_ACCESS_KEY"]).encode()
    for part in (day, region, "s3", "aws4_request"):
        key_bytes = hmac.new(key_bytes, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key_bytes, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["Authorization"] = (f"AWS4-HMAC-SHA256 Credential={os.environ['AWS_ACCESS_KEY_ID']}/{scope}, "
                                f"SignedHeaders={signed}, Signature={signature}")
    request = urllib.request.Request(endpoint.rstrip("/") + path, data=body if method == "PUT" else None,
                                     method=method, headers={k: v for k, v in headers.items() if k != "host"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read()
