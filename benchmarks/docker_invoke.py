"""Cold and warm invokes on the docker backend beside the subprocess backend, medians from one run.

In process, through ``Environment`` (what `lambdactl invoke` and `serve`'s pool use):

* cold: a new environment each time (start = container create + start + runtime init, then
  one invoke, then stop = container removal), timed start-to-answer and with stop;
* warm: one environment reused (the container and its runtime stay up between invokes).

Needs a Docker engine with public.ecr.aws/lambda/python:3.12 (tests/docker/images/build.py
builds a look-alike) and, for the subprocess figures, python3.12 on the host.

    python benchmarks/docker_invoke.py [--cold 7] [--warm 200] [--memory 1769]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from lambdactl.runtime.environment import Environment
from lambdactl.spec import EnvironmentSpec, InvocationRequest

HELLO = 'def handler(event, context):\n    return {"message": "hello"}\n'
ARN = "arn:aws:lambda:us-east-1:123456789012:function:bench"


def spec(root: Path, code: Path, backend: str, memory: int) -> EnvironmentSpec:
    return EnvironmentSpec(function_name="bench", function_arn=ARN, version="$LATEST", runtime="python3.12",
                           handler="app.handler", code_dir=code, work_dir=root / "run" / uuid.uuid4().hex,
                           memory_mb=memory, backend=backend)


def request() -> InvocationRequest:
    return InvocationRequest(payload=b"{}", request_id=str(uuid.uuid4()), invoked_function_arn=ARN)


def measure(root: Path, code: Path, backend: str, cold: int, warm: int, memory: int) -> dict[str, float]:
    answer, total = [], []
    for _ in range(cold):
        started = time.perf_counter()
        env = Environment(spec(root, code, backend, memory))
        env.start()
        result = env.invoke(request())
        answer.append(time.perf_counter() - started)
        env.stop()
        total.append(time.perf_counter() - started)
        assert result.function_error is None, result.payload
    env = Environment(spec(root, code, backend, memory))
    env.start()
    times = []
    try:
        for _ in range(warm):
            started = time.perf_counter()
            result = env.invoke(request())
            times.append(time.perf_counter() - started)
            assert result.function_error is None, result.payload
    finally:
        env.stop()
    return {"cold": statistics.median(answer) * 1000, "cold+stop": statistics.median(total) * 1000,
            "warm": statistics.median(times) * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold", type=int, default=7)
    parser.add_argument("--warm", type=int, default=200)
    parser.add_argument("--memory", type=int, default=1769, help="MemorySize (docker CPU = memory/1769 vCPU)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        code = root / "code"
        code.mkdir()
        (code / "app.py").write_text(HELLO)
        code.chmod(0o755)
        print(f"MemorySize {args.memory} MB; medians of {args.cold} cold and {args.warm} warm invokes (ms)")
        print(f"{'backend':<12}{'cold':>10}{'cold+stop':>12}{'warm':>10}")
        for backend in ("subprocess", "docker"):
            m = measure(root, code, backend, args.cold, args.warm, args.memory)
            print(f"{backend:<12}{m['cold']:>10.1f}{m['cold+stop']:>12.1f}{m['warm']:>10.2f}")


if __name__ == "__main__":
    main()
