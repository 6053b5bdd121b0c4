"""Start-up of the commands a person types most, against `aws --version` and `python -c pass` in one run.

Targets (issue 20): `lambdactl --version`, `lambdactl help invoke` and `lambdactl list-functions` each
≤ 1/3 of `aws --version`. Medians of interleaved runs, so drift on a shared machine hits every row alike.

    python benchmarks/startup.py [--runs 21]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    aws = shutil.which("aws", path=str(BIN)) or shutil.which("aws")
    if aws is None:
        sys.exit("startup.py: the aws CLI is not installed (pip install awscli)")
    lambdactl = str(BIN / "lambdactl")
    with tempfile.TemporaryDirectory() as state:
        env = {**os.environ, "LAMBDACTL_STATE_DIR": state}
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed lambdactl has its bytecode cached, as aws has
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "aws --version": [aws, "--version"],
            "lambdactl --version": [lambdactl, "--version"],
            "lambdactl help invoke": [lambdactl, "help", "invoke"],
            "lambdactl list-functions": [lambdactl, "list-functions"],
        }
        samples: dict[str, list[float]] = {name: [] for name in commands}
        for name, argv in commands.items():  # warm the page cache and .pyc files
            timed(argv, env)
        for _ in range(args.runs):
            for name, argv in commands.items():
                samples[name].append(timed(argv, env))
    aws_ms = statistics.median(samples["aws --version"]) * 1000
    print(f"{'command':28} {'median ms':>10} {'vs aws --version':>17}")
    for name, runs in samples.items():
        ms = statistics.median(runs) * 1000
        print(f"{name:28} {ms:10.1f} {ms / aws_ms:16.2f}x")
    print(f"target: each lambdactl row <= 0.33x (runs={args.runs})")


if __name__ == "__main__":
    main()
