"""`lambdactl deploy` of a 20-function SAM template onto an empty state directory, and the no-op redeploy.

Each round deploys the template (20 functions, each with an SQS queue and its event source mapping:
60 resources) onto a fresh state directory, then deploys it again unchanged. Targets on this machine:
first deploy <= 3 s, no-op redeploy <= 0.5 s. Baselines measured in the same rounds: the bare work
(20 CreateFunction calls straight to the control plane, in process: what any deploy must at least do)
and the CLI's start-up (`lambdactl --version`), the floor of any command.

    python benchmarks/deploy.py [--rounds 5] [--functions 20]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

HANDLER = "def handler(event, context):\n    return {'n': %d}\n"


def write_template(root: Path, count: int) -> Path:
    lines = ["Transform: AWS::Serverless-2016-10-31", "Globals:", "  Function:", "    Runtime: python3.12",
             "    Handler: app.handler", "Resources:"]
    for n in range(count):
        folder = root / f"fn{n}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "app.py").write_text(HANDLER % n)
        lines += [f"  Queue{n}:", "    Type: AWS::SQS::Queue",
                  f"  Fn{n}:", "    Type: AWS::Serverless::Function", "    Properties:", f"      CodeUri: fn{n}",
                  "      Events:", "        Jobs:", "          Type: SQS", "          Properties:",
                  f"            Queue: !GetAtt Queue{n}.Arn"]
    template = root / "template.yaml"
    template.write_text("\n".join(lines) + "\n")
    return template


def timed(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - start


def bare_creates(state_dir: Path, count: int) -> float:
    from lambdactl.plane import ControlPlane, Settings

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", HANDLER % 0)
    plane = ControlPlane(Settings(state_dir=state_dir, region="us-east-1"))
    start = time.perf_counter()
    for n in range(count):
        plane.call("CreateFunction", {"FunctionName": f"bare{n}", "Runtime": "python3.12", "Handler": "app.handler",
                                      "Role": "arn:aws:iam::123456789012:role/r", "Code": {"ZipFile": buffer.getvalue()}})
    elapsed = time.perf_counter() - start
    plane.close()
    return elapsed


def stop_worker(state_dir: Path) -> None:
    """End the background worker a round's deploy started (its event source mappings poll), so rounds do
    not pile up pollers that the next rounds' timings would share the CPU with."""
    try:
        pid = json.loads((state_dir / "worker.json").read_text())["pid"]
        os.kill(int(pid), signal.SIGTERM)
    except (OSError, ValueError, KeyError, TypeError):
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--functions", type=int, default=20)
    args = parser.parse_args()
    lambdactl = [sys.executable, "-m", "lambdactl"]
    first, again, bare, startup = [], [], [], []
    with tempfile.TemporaryDirectory(prefix="lambdactl-bench-deploy-") as tmp:
        root = Path(tmp)
        write_template(root / "app", args.functions)
        for n in range(args.rounds):
            state = ["--state-dir", str(root / f"state{n}")]
            first.append(timed([*lambdactl, *state, "deploy", "--stack-name", "bench", "--output", "json"], root / "app"))
            again.append(timed([*lambdactl, *state, "deploy", "--stack-name", "bench", "--output", "json"], root / "app"))
            stop_worker(root / f"state{n}")
            bare.append(bare_creates(root / f"bare{n}", args.functions))
            startup.append(timed([*lambdactl, "--version"], root))
    med = statistics.median
    print(f"{args.functions}-function template ({args.functions * 3} resources), {args.rounds} rounds, medians:")
    print(f"  deploy onto an empty state directory: {med(first):.3f} s (target <= 3 s); "
          f"bare {args.functions} CreateFunction calls in process {med(bare):.3f} s (ratio {med(first) / med(bare):.1f}x)")
    print(f"  no-op redeploy:                       {med(again):.3f} s (target <= 0.5 s); "
          f"CLI start-up (--version) {med(startup):.3f} s (ratio {med(again) / med(startup):.1f}x)")


if __name__ == "__main__":
    main()
