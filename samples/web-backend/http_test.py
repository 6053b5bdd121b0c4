"""HTTP tests of the web-backend sample (run under `lambdactl serve -- ...`).

Usage: python3 http_test.py [LAMBDACTL]  — finds the API with `LAMBDACTL apigatewayv2 get-apis`.
"""

import json
import shlex
import subprocess
import sys
import urllib.error
import urllib.request

lambdactl = shlex.split(sys.argv[1]) if len(sys.argv) > 1 else ["lambdactl"]
endpoint = subprocess.run([*lambdactl, "apigatewayv2", "get-apis", "--query", "Items[?Name=='web-backend'].ApiEndpoint | [0]",
                           "--output", "text"], check=True, capture_output=True, text=True).stdout.strip()
# *.localhost names resolve to 127.0.0.1 in curl and browsers, not always in Python: send the Host header.
api_host = endpoint.removeprefix("http://").split(":")[0]
base = "http://127.0.0.1:" + endpoint.rsplit(":", 1)[1]


def get(path, token=None):
    headers = {"Host": api_host, **({"Authorization": token} if token else {})}
    try:
        with urllib.request.urlopen(urllib.request.Request(base + path, headers=headers)) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


TOKEN = "Bearer let-me-in"
assert get("/items", TOKEN) == (200, {"items": [{"id": "1", "name": "tea", "price": 3},
                                                {"id": "2", "name": "cake", "price": 5}], "user": "ada"})
assert get("/items/2", TOKEN) == (200, {"id": "2", "name": "cake", "price": 5})
assert get("/items/9", TOKEN) == (404, {"message": "no item 9"})
assert get("/items") == (401, {"message": "Unauthorized"})
assert get("/items", "Bearer wrong") == (403, {"message": "Forbidden"})
assert get("/orders", TOKEN) == (404, {"message": "Not Found"})
print(f"web backend {endpoint}: ok")
