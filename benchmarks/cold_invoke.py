"""Cold `lambdactl invoke` of the Python hello sample, as a whole process, against a start-up floor.

The floor is two bare `python -c pass` start-ups measured in the same run: the CLI's own
interpreter and the function's (the one lambdactl picks for the runtime, which may start
slower or faster than the CLI's); the figure that matters is the ratio.

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
        env = {**os.environ, "LAMBDACTL_STATE_DIR": str(Path(tmp) / "state")}
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # as on a user's machine: modules load from cached .pyc
        package = Path(tmp) / "hello.zip"
        with zipfile.ZipFile(package, "w") as archive:
            for path in SAMPLE.rglob("*.py"):
                archive.write(path, path.relative_to(SAMPLE))
        lambdactl = [sys.executable, "-m", "lambdactl"]
        runtime = args.runtime
        subprocess.run(
            [*lambdactl, "create-function", "--function-name", "hello", "--runtime", runtime,
             "--handler", "app.handler", "--zip-file", f"fileb://{package}"],
            env=env, check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        invoke = [*lambdactl, "invoke", "--function-name", "hello", str(Path(tmp) / "out.json")]
        timed(invoke, env)  # unpack the code and write .pyc files once, as any later invoke finds them
        floor, cold = [], []
        for _ in range(args.runs):
            floor.append(timed([sys.executable, "-c", "pass"], env) + timed([function_python, "-c", "pass"], env))
            cold.append(timed(invoke, env))
    floor_ms, cold_ms = statistics.median(floor) * 1000, statistics.median(cold) * 1000
    print(f"function interpreter: {function_python} ({args.runtime})")
    print(f"floor (2 x python -c pass): median {floor_ms:.1f} ms")
    print(f"cold lambdactl invoke:      median {cold_ms:.1f} ms")
    print(f"ratio:                      {cold_ms / floor_ms:.2f}x (target <= 3x)")


if __name__ == "__main__":
    main()
