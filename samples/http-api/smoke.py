"""Call the http-api sample through its function URL (run under `lambdactl serve -- ...`).

Usage: python3 smoke.py [LAMBDACTL]  — finds the URL with `LAMBDACTL get-function-url-config`.
"""

import json
import shlex
import subprocess
import sys
import urllib.error
import urllib.request

lambdactl = shlex.split(sys.argv[1]) if len(sys.argv) > 1 else ["lambdactl"]
url = subprocess.run([*lambdactl, "get-function-url-config", "--function-name", "http-api", "--query", "FunctionUrl",
                      "--output", "text"], check=True, capture_output=True, text=True).stdout.strip().rstrip("/")
with urllib.request.urlopen(f"{url}/hello?name=url") as response:
    assert response.status == 200 and json.load(response) == {"message": "hello url"}
request = urllib.request.Request(f"{url}/echo", data=b'{"a": [1, 2]}', method="POST",
                                 headers={"content-type": "application/json"})
with urllib.request.urlopen(request) as response:
    assert json.load(response) == {"a": [1, 2]}
try:
    urllib.request.urlopen(f"{url}/missing")
    raise SystemExit("expected a 404")
except urllib.error.HTTPError as exc:
    assert exc.code == 404
print(f"function URL {url}: ok")
