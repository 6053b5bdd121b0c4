"""Both bootstraps against lambdactl's own Runtime API server (lambdactl.runtime.api)."""

from __future__ import annotations

import json
import shutil
import sys
import time

import pytest

from lambdactl.runtime import api as api_module

from .conftest import NODE_BOOTSTRAP, PY_BOOTSTRAP, RuntimeProcess, lambda_env

RUNTIMES = {
    "python": ([sys.executable, str(PY_BOOTSTRAP)], "app.py", "def handler(e, c):\n    if e.get('fail'):\n        raise ValueError('boom')\n    return {'n': e['n'], 'mem': c.memory_limit_in_mb}\n"),
    "node": (["node", str(NODE_BOOTSTRAP)], "app.mjs", "export const handler = async (e, c) => { if (e.fail) throw new Error('boom'); return { n: e.n, mem: c.memoryLimitInMB }; };\n"),
}


def invoke(api, payload: dict, request_id: str):
    headers = {
        "Content-Type": "application/json",
        "Lambda-Runtime-Aws-Request-Id": request_id,
        "Lambda-Runtime-Deadline-Ms": str(int(time.time() * 1000) + 10_000),
        "Lambda-Runtime-Invoked-Function-Arn": "arn:aws:lambda:us-east-1:123456789012:function:fn",
    }
    inv = api_module.Invocation(request_id, json.dumps(payload).encode(), headers)
    assert api.run(inv, 20), "no answer from the runtime"
    return inv


@pytest.mark.parametrize("runtime", sorted(RUNTIMES))
def test_bootstrap_with_lambdactl_runtime_api(runtime, tmp_path):
    argv, filename, code = RUNTIMES[runtime]
    if shutil.which(argv[0]) is None and runtime == "node":
        pytest.skip("node is not installed")
    (tmp_path / filename).write_text(code)

    with api_module.RuntimeAPI() as api:
        proc = RuntimeProcess(argv, lambda_env(api, tmp_path, "app.handler"), tmp_path)
        try:
            first = invoke(api, {"n": 1}, "r1")
            assert (first.outcome, json.loads(first.body)) == ("response", {"n": 1, "mem": "128"})
            failed = invoke(api, {"fail": True}, "r2")
            expected_type = "Error" if runtime == "node" else "ValueError"
            assert (failed.outcome, json.loads(failed.body)["errorType"]) == ("error", expected_type)
            assert json.loads(invoke(api, {"n": 3}, "r3").body)["n"] == 3  # warm, keep-alive connection reused
        finally:
            proc.stop()


@pytest.mark.parametrize("runtime", sorted(RUNTIMES))
def test_init_error_with_lambdactl_runtime_api(runtime, tmp_path):
    argv, _, _ = RUNTIMES[runtime]
    if shutil.which(argv[0]) is None and runtime == "node":
        pytest.skip("node is not installed")

    with api_module.RuntimeAPI() as api:
        proc = RuntimeProcess(argv, lambda_env(api, tmp_path, "missing.handler"), tmp_path)
        try:
            assert proc.wait_exit(20) == (1 if runtime == "python" else 129)
            assert api.init_error is not None and api.init_error[0] == "Runtime.ImportModuleError"
        finally:
            proc.stop()
