"""The Node.js bootstrap, run as a real `node` process against a Runtime API (see conftest.py)."""

from __future__ import annotations

import re
import shutil

import pytest

from .conftest import NODE_BOOTSTRAP

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed")

ESM = """\
let calls = 0;
export const handler = async (event, context) => {
  console.log("event", event);
  if (event.fail) throw new Error("boom");
  return {
    calls: ++calls, memoryLimitInMB: context.memoryLimitInMB, functionName: context.functionName,
    functionVersion: context.functionVersion, invokedFunctionArn: context.invokedFunctionArn,
    awsRequestId: context.awsRequestId, logGroupName: context.logGroupName, logStreamName: context.logStreamName,
    remaining: context.getRemainingTimeInMillis(), waits: context.callbackWaitsForEmptyEventLoop,
    clientContext: context.clientContext ?? null, identity: context.identity ?? null,
    trace: process.env._X_AMZN_TRACE_ID ?? null,
  };
};
"""
CALLBACK_CJS = """\
exports.handler = (event, context, callback) => {
  setTimeout(() => console.info("timer done"), 20);  // runs before the reply: the loop must drain
  callback(null, { style: "callback" });
};
"""


@pytest.fixture
def start_node(start_runtime):
    def start(handler: str, files: dict[str, str], env: dict[str, str] | None = None):
        return start_runtime([NODE, str(NODE_BOOTSTRAP)], handler, files, env)

    return start


def test_esm_async_handler_context_and_warm_state(start_node, runtime_api):
    proc = start_node("index.handler", {"index.mjs": ESM})
    out = runtime_api.invoke({"x": 1}, request_id="req-1", trace_id="Root=1-a-b", client_context='{"custom":{"k":"v"}}')
    assert (out.kind, out.request_id) == ("response", "req-1")
    body = out.json
    assert body["calls"] == 1 and body["memoryLimitInMB"] == "128"
    assert body["functionName"] == "fn" and body["functionVersion"] == "$LATEST"
    assert body["invokedFunctionArn"].endswith(":function:fn") and body["awsRequestId"] == "req-1"
    assert body["logGroupName"] == "/aws/lambda/fn" and body["logStreamName"].startswith("2024/01/01/")
    assert 0 < body["remaining"] <= 30_000 and body["waits"] is True
    assert body["clientContext"] == {"custom": {"k": "v"}} and body["identity"] is None
    assert body["trace"] == "Root=1-a-b"
    assert runtime_api.invoke({}).json["calls"] == 2  # warm: same module instance
    out = proc.wait_for("\tINFO\tevent { x: 1 }\n")
    assert re.search(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\treq-1\tINFO\tevent \{ x: 1 \}$", out, re.M)


def test_callback_handler_waits_for_empty_event_loop(start_node, runtime_api):
    proc = start_node("cb.handler", {"cb.js": CALLBACK_CJS})
    out = runtime_api.invoke({}, request_id="r-cb")
    assert out.json == {"style": "callback"}
    assert "\tr-cb\tINFO\ttimer done\n" in proc.stdout  # printed before the response was posted


@pytest.mark.parametrize(
    "files, handler",
    [
        ({"lib/app.cjs": "module.exports.run = async () => 'cjs';"}, "lib/app.run"),
        ({"src/app.js": "export const run = async () => 'esm-js';", "src/package.json": '{"type":"module"}'}, "src/app.run"),
        ({"app.js": "exports.ns = { run: async () => 'nested' };"}, "app.ns.run"),
    ],
)
def test_module_kinds_and_paths(start_node, runtime_api, files, handler):
    start_node(handler, files)
    assert runtime_api.invoke({}).kind == "response"


def test_handler_error_payload_and_log(start_node, runtime_api):
    proc = start_node("index.handler", {"index.mjs": ESM})
    out = runtime_api.invoke({"fail": True}, request_id="req-err")
    assert out.kind == "error"
    assert out.headers["Lambda-Runtime-Function-Error-Type"] == "Error"
    body = out.json
    assert (body["errorType"], body["errorMessage"]) == ("Error", "boom")
    assert body["trace"][0] == "Error: boom" and "index.mjs:4" in body["trace"][1]
    # Lambda's paths, not the host's (docs.aws.amazon.com/lambda/latest/dg/nodejs-exceptions.html:
    # "    at Runtime.exports.handler (/var/task/index.js:2:3)", "    at Runtime.handleOnce (/var/runtime/Runtime.js:63:25)")
    assert "file:///var/task/index.mjs:4:" in body["trace"][1]
    runtime_frames = [line for line in body["trace"][2:] if "node:internal" not in line and "<anonymous>" not in line]
    assert runtime_frames and all("/var/runtime/" in line for line in runtime_frames), body["trace"]
    proc.wait_for('\treq-err\tERROR\tInvoke Error \t{"errorType":"Error","errorMessage":"boom","stack":["Error: boom",')
    assert runtime_api.invoke({}).kind == "response"


def test_non_error_throw_and_unserialisable_result(start_node, runtime_api):
    code = "exports.h = async (e) => { if (e.s) throw 'plain'; const o = {}; o.o = o; return o; };"
    start_node("app.h", {"app.js": code})
    assert runtime_api.invoke({"s": 1}).json == {"errorType": "string", "errorMessage": "plain", "trace": []}
    body = runtime_api.invoke({}).json
    assert (body["errorType"], body["errorMessage"]) == ("Error", "Unable to stringify response body")


@pytest.mark.parametrize(
    "handler, files, error_type, message",
    [
        ("nope.handler", {}, "Runtime.ImportModuleError", "Error: Cannot find module 'nope'"),
        ("index.missing", {"index.mjs": ESM}, "Runtime.HandlerNotFound", "index.missing is undefined or not exported"),
        ("index.notfn", {"index.js": "exports.notfn = 1;"}, "Runtime.HandlerNotFound", "index.notfn is not a function"),
        ("index", {}, "Runtime.MalformedHandlerName", "Bad handler"),
        ("bad.handler", {"bad.mjs": "export const = ;"}, "Runtime.UserCodeSyntaxError", "SyntaxError: "),
    ],
)
def test_init_errors(start_node, runtime_api, handler, files, error_type, message):
    proc = start_node(handler, files)
    out = runtime_api.wait_outcome()
    assert out.kind == "init_error"
    assert out.headers["Lambda-Runtime-Function-Error-Type"] == error_type
    assert out.json["errorType"] == error_type and out.json["errorMessage"].startswith(message)
    assert proc.wait_exit() == 129
    assert "\tundefined\tERROR\tUncaught Exception \t{\"errorType\":\"%s\"" % error_type in proc.stdout
