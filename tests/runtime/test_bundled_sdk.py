"""The AWS SDK Lambda bundles: `import boto3` and `require("@aws-sdk/client-sqs")` work in functions
that don't package them, after the function's own code and layers (a vendored copy wins).

The SDK is installed once (`lambdactl runtimes install-sdk`, as CI does before the tests); without it
these tests skip, unless LAMBDACTL_REQUIRE_SDK=1 (CI), where they fail.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from lambdactl.runtime import sdk

from .conftest import request

SDK_PY = '''
import boto3, botocore

def handler(event, context):
    result = {"boto3": boto3.__version__, "botocore": botocore.__version__, "file": boto3.__file__}
    if "endpoint" in event:
        sqs = boto3.client("sqs", endpoint_url=event["endpoint"], region_name="us-east-1")
        result["sent"] = sqs.send_message(QueueUrl=event["queue"], MessageBody="from boto3")["MessageId"]
    return result
'''
SDK_JS = '''
const { SQSClient, SendMessageCommand } = require("@aws-sdk/client-sqs");
for (const name of ["s3", "dynamodb", "lambda", "eventbridge"]) require(`@aws-sdk/client-${name}`);

exports.handler = async (event) => {
  const sqs = new SQSClient({ endpoint: event.endpoint, region: "us-east-1" });
  const sent = await sqs.send(new SendMessageCommand({ QueueUrl: event.queue, MessageBody: "from node" }));
  return { sent: sent.MessageId, file: require.resolve("@aws-sdk/client-sqs") };
};
'''


@pytest.fixture(scope="module", autouse=True)
def _installed() -> None:
    if sdk.python_dir(Path("/nonexistent")) and sdk.node_dir(Path("/nonexistent")):
        return
    reason = "the bundled AWS SDK is not installed: run `lambdactl runtimes install-sdk`"
    if os.environ.get("LAMBDACTL_REQUIRE_SDK") == "1":
        pytest.fail(f"LAMBDACTL_REQUIRE_SDK=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def code_dir(tmp_path: Path, files: dict[str, str]) -> Path:
    code = tmp_path / "code"
    for name, text in files.items():
        (code / name).parent.mkdir(parents=True, exist_ok=True)
        (code / name).write_text(text)
    return code


def test_python_function_imports_the_pinned_boto3(make_env, tmp_path):
    with make_env("python3.12", "app.handler", code=code_dir(tmp_path, {"app.py": SDK_PY}), memory=512) as env:
        result = env.invoke(request())
        body = json.loads(result.payload)
        assert result.function_error is None, body
        pinned = re.search(r"^boto3==(\S+)", (sdk.PINS / "python-requirements.txt").read_text(), re.M).group(1)
        assert body["boto3"] == pinned == sdk.PYTHON_SDK.removeprefix("boto3-")
        assert Path(body["file"]).is_relative_to(sdk.python_dir(env.spec.state_dir))


def test_vendored_boto3_wins(make_env, tmp_path):
    vendored = {"app.py": SDK_PY, "boto3/__init__.py": "__version__ = 'vendored'\n"}
    with make_env("python3.12", "app.handler", code=code_dir(tmp_path, vendored), memory=512) as env:
        body = json.loads(env.invoke(request()).payload)
        assert body["boto3"] == "vendored" and body["botocore"] != "vendored"


def test_node_function_requires_the_bundled_clients(make_env, tmp_path):
    with make_env("nodejs20.x", "index.handler", code=code_dir(tmp_path, {"index.js": SDK_JS}), memory=512) as env:
        result = env.invoke(request(b'{"endpoint": "http://127.0.0.1:9", "queue": "http://127.0.0.1:9/1/q"}'))
        body = json.loads(result.payload)
        # the client loaded and really tried to send: nothing listens on port 9
        assert body["errorType"] != "Runtime.ImportModuleError", body
        assert "ECONNREFUSED" in result.payload.decode(), body


def test_es_module_handler_imports_the_bundled_clients(make_env, tmp_path):
    esm = ('import { SQSClient } from "@aws-sdk/client-sqs";\n'
           'export const handler = async () => ({ client: typeof SQSClient });\n')
    with make_env("nodejs20.x", "index.handler", code=code_dir(tmp_path, {"index.mjs": esm}), memory=512) as env:
        result = env.invoke(request())
        assert json.loads(result.payload) == {"client": "function"}, result.payload


@pytest.mark.slow
def test_python_and_node_functions_send_to_the_embedded_sqs_under_serve(cli, make_zip, tmp_path):
    from tests.serving import start_server

    server = start_server(cli.state_dir, tmp_path / "serve.log")
    try:
        queue = cli("sqs", "create-queue", "--queue-name", "q").json["QueueUrl"]
        event = json.dumps({"endpoint": server.url, "queue": queue})
        for name, runtime, handler, files in (("py", "python3.12", "app.handler", {"app.py": SDK_PY}),
                                              ("js", "nodejs20.x", "index.handler", {"index.js": SDK_JS})):
            cli("create-function", "--function-name", name, "--runtime", runtime, "--handler", handler,
                "--zip-file", f"fileb://{make_zip(files)}", "--memory-size", "512")
            cli("invoke", "--function-name", name, "--cli-binary-format", "raw-in-base64-out", "--payload", event,
                "--fail-on-function-error", str(tmp_path / f"{name}.json"))
            assert json.loads((tmp_path / f"{name}.json").read_text())["sent"]
        received = cli("sqs", "receive-message", "--queue-url", queue, "--max-number-of-messages", "10").json
        assert sorted(m["Body"] for m in received["Messages"]) == ["from boto3", "from node"]
    finally:
        server.stop()
