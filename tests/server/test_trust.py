"""The trust model: code inside an execution environment can't get code onto the host through `serve`."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from .conftest import create, zip_bytes

# What a function could do with the endpoint serve hands it: sign with its own credentials (as any SDK
# does), or send no credentials at all.
ESCAPE = '''
import json, os, urllib.request, urllib.error, base64

def handler(event, context):
    body = json.dumps({"FunctionName": event["name"], "Runtime": "python3.12", "Handler": "app.handler",
                       "Role": "arn:aws:iam::123456789012:role/r", "Code": {"ZipFile": event["zip"]},
                       **event.get("extra", {})}).encode()
    headers = {"Content-Type": "application/json"}
    if event.get("sign"):
        headers["Authorization"] = ("AWS4-HMAC-SHA256 Credential=%s/20260101/us-east-1/lambda/aws4_request, "
                                    "SignedHeaders=host, Signature=00" % os.environ["AWS_ACCESS_KEY_ID"])
    url = os.environ["AWS_ENDPOINT_URL_LAMBDA"] + event.get("path", "/2015-03-31/functions")
    request = urllib.request.Request(url, data=body, headers=headers, method=event.get("method", "POST"))
    try:
        with urllib.request.urlopen(request) as reply:
            return {"status": reply.status, "body": json.loads(reply.read())}
    except urllib.error.HTTPError as exc:
        return {"status": exc.code, "body": json.loads(exc.read())}
'''
PAYLOAD_CODE = 'import os\ndef handler(e, c):\n    return os.getuid()\n'


def _escape(client, function: str, **event) -> dict:
    import base64

    event.setdefault("zip", base64.b64encode(zip_bytes(PAYLOAD_CODE)).decode())
    reply = client.invoke(FunctionName=function, Payload=json.dumps(event))
    assert "FunctionError" not in reply, reply["Payload"].read()
    return json.loads(reply["Payload"].read())


def test_environments_get_their_own_credentials(client):
    client.create_function(FunctionName="trust-env", Runtime="python3.12", Role="arn:aws:iam::123456789012:role/r",
                           Handler="app.handler", Code={"ZipFile": zip_bytes(
        'import os\ndef handler(e, c):\n    return {k: os.environ.get(k) for k in '
        '("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")}\n')})
    first = json.loads(client.invoke(FunctionName="trust-env")["Payload"].read())
    assert first["AWS_ACCESS_KEY_ID"].startswith("ASIALAMBDACTL") and len(first["AWS_ACCESS_KEY_ID"]) == 20
    assert first["AWS_SECRET_ACCESS_KEY"] and first["AWS_SESSION_TOKEN"]
    client.update_function_configuration(FunctionName="trust-env", MemorySize=256)  # a new environment
    client.get_waiter("function_updated_v2").wait(FunctionName="trust-env")
    second = json.loads(client.invoke(FunctionName="trust-env")["Payload"].read())
    assert second["AWS_ACCESS_KEY_ID"] != first["AWS_ACCESS_KEY_ID"]


def test_a_function_signing_with_its_credentials_cant_create_a_host_function(client):
    client.create_function(FunctionName="trust-signer", Runtime="python3.12", Role="arn:aws:iam::123456789012:role/r",
                           Handler="app.handler", Code={"ZipFile": zip_bytes(ESCAPE)})
    refused = _escape(client, "trust-signer", name="trust-escaped", sign=True)
    assert refused["status"] == 403
    assert "not isolated from the host" in refused["body"]["Message"]
    assert "trust-escaped" not in [f["FunctionName"] for f in client.list_functions()["Functions"]]
    # Nor by rewriting a host function's code or configuration (a handler of its choosing).
    changed = _escape(client, "trust-signer", name="trust-signer", sign=True,
                      path="/2015-03-31/functions/trust-signer/configuration", method="PUT",
                      extra={"Handler": "os.system"})
    assert changed["status"] == 403
    assert client.get_function_configuration(FunctionName="trust-signer")["Handler"] == "app.handler"
    # The user, with any other credentials, still can.
    create(client, "trust-by-user")


@pytest.mark.skipif(os.geteuid() != 0 or not os.path.exists("/usr/bin/python3"), reason="needs root to connect as another user")
def test_a_caller_without_credentials_from_another_uid_is_refused(server):
    """What a docker container (user 993 on the host's network) sends when it drops its credentials."""
    code = f'''
import json, sys, urllib.request, urllib.error
body = json.dumps({{"FunctionName": "trust-uid", "Runtime": "python3.12", "Handler": "app.handler",
                   "Role": "arn:aws:iam::123456789012:role/r", "Code": {{"ZipFile": "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="}}}})
request = urllib.request.Request("{server.url}/2015-03-31/functions", data=body.encode(),
                                 headers={{"Content-Type": "application/json"}}, method="POST")
try:
    urllib.request.urlopen(request)
    print(201)
except urllib.error.HTTPError as exc:
    print(exc.code, exc.read().decode())
'''
    result = subprocess.run(["/usr/bin/python3", "-I", "-c", code], capture_output=True, text=True, user=993, timeout=30,
                            cwd="/", env={"PATH": os.environ["PATH"]})
    assert result.stdout.startswith("403"), result.stdout + result.stderr
    assert "not isolated from the host" in result.stdout


CREDENTIALS_APP = {"app.py": 'import os\ndef handler(e, c):\n    return [os.environ.get(k) for k in '
                             '("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")]\n'}


def test_profile_credentials_are_an_opt_in(cli, make_zip):
    cli("create-function", "--function-name", "creds", "--runtime", "python3.12", "--handler", "app.handler",
        "--zip-file", f"fileb://{make_zip(CREDENTIALS_APP)}")
    mine = {"AWS_ACCESS_KEY_ID": "AKIAUSERKEY", "AWS_SECRET_ACCESS_KEY": "user-secret", "AWS_SESSION_TOKEN": "tok"}
    cli("invoke", "--function-name", "creds", "out.json", env=mine)
    assert json.loads((cli.cwd / "out.json").read_text())[0].startswith("ASIALAMBDACTL")  # never yours by default
    cli("invoke", "--function-name", "creds", "out.json", env={**mine, "LAMBDACTL_FUNCTION_CREDENTIALS": "profile"})
    assert json.loads((cli.cwd / "out.json").read_text()) == ["AKIAUSERKEY", "user-secret", "tok"]
    bad = cli("invoke", "--function-name", "creds", "out.json", rc=253,
              env={"LAMBDACTL_FUNCTION_CREDENTIALS": "mine"})
    assert bad.stderr.strip().splitlines() == [
        "LAMBDACTL_FUNCTION_CREDENTIALS must be one of placeholder, profile, not 'mine'"]
