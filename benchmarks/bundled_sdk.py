"""What the bundled AWS SDK costs a cold start, interleaved in one run (medians, ms).

Python hello (samples/hello-python) with the SDK absent, then present on the path but not imported
(target: no difference), then a function that imports boto3 and makes an SQS client (what the SDK
itself costs, as on Lambda); Node.js hello (an ES module: the SDK's resolve hook is registered for
it) absent / present. Cold = start + first invoke + stop, in process on the subprocess backend.
Wall times on a busy machine vary by tens of ms, so the interpreter's own start-up (the runtime's
imports) is also measured as CPU time (user + sys of the child), which other load barely moves.
Needs `lambdactl runtimes install-sdk`.

    python benchmarks/bundled_sdk.py [--rounds 9] [--python python3.12]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from lambdactl.runtime import sdk
from lambdactl.runtime.environment import Environment
from lambdactl.spec import EnvironmentSpec, InvocationRequest

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
ARN = "arn:aws:lambda:us-east-1:123456789012:function:bench"
BOTO3 = 'import boto3\nsqs = boto3.client("sqs", region_name="us-east-1")\n\ndef handler(event, context):\n    return {}\n'


def cold(root: Path, code: Path, runtime: str, handler: str) -> float:
    spec = EnvironmentSpec(function_name="bench", function_arn=ARN, version="$LATEST", runtime=runtime, handler=handler,
                           code_dir=code, work_dir=root / "run" / uuid.uuid4().hex, memory_mb=1769)
    started = time.perf_counter()
    with Environment(spec) as env:
        result = env.invoke(InvocationRequest(payload=b"{}", request_id=str(uuid.uuid4()), invoked_function_arn=ARN))
    assert result.function_error is None, result.payload
    return (time.perf_counter() - started) * 1000


def startup_cpu_ms(argv: list[str], extra: dict[str, str], rounds: int, cwd: Path | None = None) -> float:
    """Median user+sys CPU of a child process (its start-up: other load barely moves CPU time)."""
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONDONTWRITEBYTECODE": "1", **extra}
    times = []
    for _ in range(rounds):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(argv, env=env, cwd=cwd, capture_output=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append((after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--python", default=f"python3.{sys.version_info.minor}")
    args = parser.parse_args()
    if sdk.python_dir(Path("/nonexistent")) is None or sdk.node_dir(Path("/nonexistent")) is None:
        sys.exit("install the SDK first: lambdactl runtimes install-sdk")
    installed = (sdk.python_dir, sdk.node_dir)
    absent = (lambda state_dir: None, lambda state_dir: None)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        boto3_code = root / "boto3"
        boto3_code.mkdir()
        (boto3_code / "app.py").write_text(BOTO3)
        cases = {
            "python hello, no SDK": (absent, SAMPLES / "hello-python", args.python, "app.handler"),
            "python hello, SDK on path": (installed, SAMPLES / "hello-python", args.python, "app.handler"),
            "python import boto3 + client": (installed, boto3_code, args.python, "app.handler"),
            "node hello (ESM), no SDK": (absent, SAMPLES / "hello-node", "nodejs20.x", "index.handler"),
            "node hello (ESM), SDK on path": (installed, SAMPLES / "hello-node", "nodejs20.x", "index.handler"),
        }
        times: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(args.rounds):
            for name, (lookups, code, runtime, handler) in cases.items():
                sdk.python_dir, sdk.node_dir = lookups
                times[name].append(cold(root, code, runtime, handler))
        sdk.python_dir, sdk.node_dir = installed
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(f"cold start + first invoke, medians of {args.rounds} interleaved rounds (ms), 1769 MB")
    for name, value in medians.items():
        print(f"{name:<32}{value:8.1f}")
    base_py, base_js = medians["python hello, no SDK"], medians["node hello (ESM), no SDK"]
    print(f"SDK on path, not imported: python {medians['python hello, SDK on path'] - base_py:+.1f} ms, "
          f"node {medians['node hello (ESM), SDK on path'] - base_js:+.1f} ms (wall)")
    from lambdactl.runtime.environment import BOOTSTRAPS_DIR
    from lambdactl.runtime.interpreters import node_for, python_for

    python = [python_for(args.python), "-c", "import json, socket, http.client"]  # what the runtime loads
    # the node runtime loading the ES module hello, then exiting: nothing answers on port 9
    node = [node_for("nodejs20.x"), str(BOOTSTRAPS_DIR / "node_bootstrap.js"), "index.handler"]
    node_env = {"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9", "LAMBDA_TASK_ROOT": str(SAMPLES / "hello-node")}
    rows = (("python", python, {}, {"PYTHONPATH": str(sdk.python_dir(Path("/nonexistent")))}, None),
            ("node", node, node_env, {**node_env, "NODE_PATH": str(sdk.node_dir(Path("/nonexistent")))},
             SAMPLES / "hello-node"))
    for name, argv, without_env, with_env, cwd in rows:
        without = startup_cpu_ms(argv, without_env, args.rounds * 3, cwd)
        with_sdk = startup_cpu_ms(argv, with_env, args.rounds * 3, cwd)
        print(f"{name} start-up CPU (user+sys): {without:.1f} ms without, {with_sdk:.1f} ms with the SDK on the path "
              f"({with_sdk - without:+.1f} ms)")

if __name__ == "__main__":
    main()
