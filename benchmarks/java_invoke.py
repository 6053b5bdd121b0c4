"""Cold and warm invokes of the Java hello sample beside the Python hello sample, in one run.

In process, through ``Environment`` on the subprocess backend (what `lambdactl invoke` and
`serve`'s pool use): cold = start (JVM or interpreter start, runtime init) + one invoke + stop;
warm = one environment reused. Also each cold start's Init Duration. The Java runtime is compiled
once before timing (as it is once per state directory).

    python benchmarks/java_invoke.py [--cold 7] [--warm 200] [--memory 1769] [--java java17]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from lambdactl.runtime import jvm
from lambdactl.runtime.environment import Environment
from lambdactl.spec import EnvironmentSpec, InvocationRequest

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
ARN = "arn:aws:lambda:us-east-1:123456789012:function:bench"


def spec(root: Path, code: Path, runtime: str, handler: str, memory: int) -> EnvironmentSpec:
    return EnvironmentSpec(function_name="bench", function_arn=ARN, version="$LATEST", runtime=runtime, handler=handler,
                           code_dir=code, work_dir=root / "run" / uuid.uuid4().hex, memory_mb=memory)


def request() -> InvocationRequest:
    return InvocationRequest(payload=b'{"name": "bench"}', request_id=str(uuid.uuid4()), invoked_function_arn=ARN)


def measure(make, cold: int, warm: int) -> dict[str, float]:
    colds, inits = [], []
    for _ in range(cold):
        started = time.perf_counter()
        with make() as env:
            result = env.invoke(request())
            colds.append(time.perf_counter() - started)
            inits.append(result.init_duration_ms or 0.0)
            assert result.function_error is None, result.payload
    times = []
    with make() as env:
        for _ in range(warm):
            started = time.perf_counter()
            result = env.invoke(request())
            times.append(time.perf_counter() - started)
            assert result.function_error is None, result.payload
    return {"cold": statistics.median(colds) * 1000, "init": statistics.median(inits),
            "warm": statistics.median(times) * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold", type=int, default=7)
    parser.add_argument("--warm", type=int, default=200)
    parser.add_argument("--memory", type=int, default=1769)
    parser.add_argument("--java", default="java17")
    parser.add_argument("--python", default=f"python3.{sys.version_info.minor}")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        jdk = jvm.jdk_for(args.java)
        classes = jvm.compiled(jdk, root / "cache")
        java_code = root / "java"
        subprocess.run([str(jdk.javac), "-d", str(java_code), "-cp", str(classes),
                        *map(str, (SAMPLES / "hello-java" / "src").rglob("*.java"))], check=True)
        rows = {
            args.python: measure(lambda: Environment(spec(root, SAMPLES / "hello-python", args.python, "app.handler",
                                                          args.memory)), args.cold, args.warm),
            args.java: measure(lambda: Environment(spec(root, java_code, args.java, "example.Hello::handleRequest",
                                                        args.memory)), args.cold, args.warm),
        }
    print(f"MemorySize {args.memory} MB; medians of {args.cold} cold and {args.warm} warm invokes (ms)")
    print(f"{'runtime':<12}{'cold':>10}{'init':>10}{'warm':>10}")
    for name, row in rows.items():
        print(f"{name:<12}{row['cold']:>10.1f}{row['init']:>10.1f}{row['warm']:>10.2f}")
    python, java = rows[args.python], rows[args.java]
    print(f"java / python: cold {java['cold'] / python['cold']:.1f}x, warm {java['warm'] / python['warm']:.1f}x")


if __name__ == "__main__":
    main()
