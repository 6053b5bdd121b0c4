"""Cold `lambdactl invoke` of the Python hello sample, as a whole process, against a start-up floor.

The floor is two bare `python -c pass` start-ups measured in the same run: the CLI's own
interpreter and the function's (the one lambdactl picks for the runtime, which may start
slower or faster than the CLI's); the figure that matters is the ratio. Two cold rows, each a
new process with a new environment: the first invoke after create-function (code unpacked and
compiled then: nothing primed), and a later one that finds the unpacked code and its .pyc files.
Invokes run in their own process (no warm worker).

    python benchmarks/cold_invoke.py [--runs 15] [--runtime python3.12]
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
SAMPLE = ROOT / "samples" / "hello-python"


def timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--runtime", default=f"python3.{sys.version_info.minor}")
    args = parser.parse_args()
    from lambdactl.runtime.interpreters import python_for

    function_python = python_for(args.runtime)
    with tempfile.TemporaryDirectory() as tmp:
        package = Path(tmp) / "hello.zip"
        with zipfile.ZipFile(package, "w") as archive:
            for path in SAMPLE.rglob("*.py"):
                archive.write(path, path.relative_to(SAMPLE))
        lambdactl = [sys.executable, "-m", "lambdactl"]
        floor, first, cached = [], [], []
        for run in range(args.runs):
            # A fresh state directory per run: the first invoke unpacks the code and compiles it, as the
            # first invoke after create-function does; nothing from an earlier run is cached.
            env = {**os.environ, "LAMBDACTL_STATE_DIR": str(Path(tmp) / f"state{run}"),
                   "LAMBDACTL_WARM_INVOKE": "0", "LAMBDACTL_AUTO_WORKER": "0"}  # each invoke in its own process
            env.pop("PYTHONDONTWRITEBYTECODE", None)  # as on a user's machine: .pyc files are written
            subprocess.run(
                [*lambdactl, "create-function", "--function-name", "hello", "--runtime", args.runtime,
                 "--handler", "app.handler", "--zip-file", f"fileb://{package}"],
                env=env, check=True, stdout=subprocess.DEVNULL,
            )  # fmt: skip
            invoke = [*lambdactl, "invoke", "--function-name", "hello", str(Path(tmp) / "out.json")]
            floor.append(timed([sys.executable, "-c", "pass"], env) + timed([function_python, "-c", "pass"], env))
            first.append(timed(invoke, env))
            cached.append(timed(invoke, env))
    floor_ms = statistics.median(floor) * 1000
    first_ms, cached_ms = statistics.median(first) * 1000, statistics.median(cached) * 1000
    print(f"function interpreter: {function_python} ({args.runtime})")
    print(f"floor (2 x python -c pass):                        median {floor_ms:.1f} ms")
    print(f"cold invoke, first after create-function (unpack): median {first_ms:.1f} ms  {first_ms / floor_ms:.2f}x")
    print(f"cold invoke, new process, code already unpacked:   median {cached_ms:.1f} ms  {cached_ms / floor_ms:.2f}x"
          " (target <= 3x)")


if __name__ == "__main__":
    main()
