"""`lambdactl invoke` of a warm function, as a whole process, against `lambdactl --version` in the same run.

With no `serve`, the second invoke of a function runs warm in the state directory's background
worker; the figure is how much more than a bare `lambdactl --version` that costs. Also measured:
the same invoke with ``LAMBDACTL_WARM_INVOKE=0`` (a cold environment per command, as before).
Runs alternate, so a change in the machine's load touches every series alike; medians are reported.
Target: warm invoke <= 1.5x `--version`.

    python benchmarks/warm_cli.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HELLO = 'def handler(event, context):\n    return {"hello": event.get("name", "world")}\n'


def timed(argv: list[str], env: dict[str, str], cwd: str) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    lambdactl = [sys.executable, "-m", "lambdactl"]
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LAMBDACTL_", "AWS_"))}
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed lambdactl has its bytecode cached
        env["LAMBDACTL_STATE_DIR"] = str(Path(tmp) / "state")
        with zipfile.ZipFile(Path(tmp) / "hello.zip", "w") as zipped:
            zipped.writestr("app.py", HELLO)
        create = ["create-function", "--function-name", "hello", "--runtime", f"python3.{sys.version_info.minor}",
                  "--handler", "app.handler", "--zip-file", "fileb://hello.zip"]  # fmt: skip
        subprocess.run(lambdactl + create, env=env, cwd=tmp, check=True, stdout=subprocess.DEVNULL)
        invoke = lambdactl + ["invoke", "--function-name", "hello", "out.json"]
        first = timed(invoke, env, tmp)  # cold, here; then the worker starts and warms the function
        second = timed(invoke, env, tmp)  # waits for the worker if it is still starting
        own = {**env, "LAMBDACTL_WARM_INVOKE": "0"}
        series: dict[str, list[float]] = {"--version": [], "invoke (warm, worker)": [], "invoke (own environment)": []}
        for _ in range(args.runs):
            series["--version"].append(timed(lambdactl + ["--version"], env, tmp))
            series["invoke (warm, worker)"].append(timed(invoke, env, tmp))
            series["invoke (own environment)"].append(timed(invoke, own, tmp))
    base = statistics.median(series["--version"])
    print(f"first invoke (cold, starts the worker) {first * 1000:.0f} ms; second {second * 1000:.0f} ms")
    print(f"{'':28} {'median ms':>10} {'x --version':>12}")
    for name, values in series.items():
        print(f"{name:28} {statistics.median(values) * 1000:10.1f} {statistics.median(values) / base:12.2f}")
    ratio = statistics.median(series["invoke (warm, worker)"]) / base
    print(f"target: warm invoke <= 1.5x --version: {'met' if ratio <= 1.5 else 'MISSED'} ({ratio:.2f}x)")


if __name__ == "__main__":
    main()
