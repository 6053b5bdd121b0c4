"""`lambdactl build` of an unchanged tree (20 Python functions, already built): the incremental fast path.

Target on this machine: <= 0.3 s. Baseline measured in the same rounds: the CLI's start-up
(`lambdactl --version`), the floor of any command.

    python benchmarks/build.py [--rounds 7] [--functions 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from deploy import timed, write_template  # benchmarks/ is the script's folder, on sys.path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--functions", type=int, default=20)
    args = parser.parse_args()
    lambdactl = [sys.executable, "-m", "lambdactl"]
    unchanged, startup = [], []
    with tempfile.TemporaryDirectory(prefix="lambdactl-bench-build-") as tmp:
        root = Path(tmp)
        write_template(root / "app", args.functions)
        first = timed([*lambdactl, "build"], root / "app")
        for _ in range(args.rounds):
            unchanged.append(timed([*lambdactl, "build"], root / "app"))
            startup.append(timed([*lambdactl, "--version"], root))
    med = statistics.median
    print(f"{args.functions}-function template, {args.rounds} rounds, medians (first build {first:.3f} s):")
    print(f"  build of an unchanged tree: {med(unchanged):.3f} s (target <= 0.3 s); "
          f"CLI start-up (--version) {med(startup):.3f} s (ratio {med(unchanged) / med(startup):.1f}x)")


if __name__ == "__main__":
    main()
