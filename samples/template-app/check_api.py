"""GET /orders/7 through the deployed HTTP API, under `lambdactl serve -- python3 check_api.py`."""

import json
import os
import subprocess
import urllib.request

lambdactl = os.environ.get("LAMBDACTL", "lambdactl").split()
api = subprocess.check_output([*lambdactl, "apigatewayv2", "get-apis", "--query", "Items[0].ApiId", "--output", "text"],
                              text=True).strip()
url = f"{os.environ['AWS_ENDPOINT_URL_LAMBDA']}/_aws/execute-api/{api}/orders/7"
body = json.load(urllib.request.urlopen(url, timeout=30))
assert body == {"id": "7", "status": "shipped"}, body
print("GET /orders/7:", body)
