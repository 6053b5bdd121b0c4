"""A cold `lambdactl invoke` of the Python hello at 128 MB on the docker backend, against a bare
``docker run --rm --entrypoint python3 IMAGE -c pass`` (the floor: a container start and an
interpreter), interleaved in one run; with the REPORT's Init Duration. Twice: on the default
``isolated`` network (the container's own network namespace: ``--network none``, or on an engine
without a bridge network, as .ci/docker.sh starts it, the engine's ``default``, the same namespace
made ~70 ms sooner on Docker 20.10) and with ``LAMBDACTL_DOCKER_NETWORK=host``.

Targets: the CLI invoke within 2x the bare run, Init Duration ≤ 300 ms (Lambda's init runs
unthrottled; only the invocation gets MemorySize / 1769 vCPU).

Every invoke is cold: ``LAMBDACTL_WARM_INVOKE=0`` keeps the CLI from handing it to the state
directory's warm background worker. Needs a Docker engine with public.ecr.aws/lambda/python:3.12 (tests/docker/images/build.py
builds a look-alike).

    python benchmarks/docker_cold_cli.py [--rounds 7] [--memory 128]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

IMAGE = "public.ecr.aws/lambda/python:3.12"
HELLO = Path(__file__).parents[1] / "samples" / "hello-python" / "app.py"
LAMBDACTL = [sys.executable, "-m", "lambdactl"]


def timed(argv: list[str], env: dict[str, str], cwd: str) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, check=True)
    return (time.perf_counter() - started) * 1000, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--memory", type=int, default=128)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "LAMBDACTL_STATE_DIR": tmp, "LAMBDACTL_WARM_INVOKE": "0"}
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed lambdactl has its bytecode cached
        archive = Path(tmp) / "hello.zip"
        with zipfile.ZipFile(archive, "w") as z:
            info = zipfile.ZipInfo("app.py")
            info.external_attr = 0o644 << 16
            z.writestr(info, HELLO.read_text())
        subprocess.run([*LAMBDACTL, "create-function", "--function-name", "hello", "--runtime", "python3.12",
                        "--handler", "app.handler", "--zip-file", f"fileb://{archive}", "--backend", "docker",
                        "--memory-size", str(args.memory)], env=env, cwd=tmp, check=True, capture_output=True)
        invoke = [*LAMBDACTL, "invoke", "--function-name", "hello", "--log-type", "Tail", "out.json"]
        bare = ["docker", "run", "--rm", "--entrypoint", "python3", IMAGE, "-c", "pass"]
        timed(bare, env, tmp)  # warm the engine's image cache and ours
        timed(invoke, env, tmp)
        networks = ("isolated", "host")
        floor: list[float] = []
        cli: dict[str, list[float]] = {net: [] for net in networks}
        inits: dict[str, list[float]] = {net: [] for net in networks}
        durations: dict[str, list[float]] = {net: [] for net in networks}
        for _ in range(args.rounds):
            for net in networks:
                ms, out = timed(invoke, {**env, "LAMBDACTL_DOCKER_NETWORK": net}, tmp)
                cli[net].append(ms)
                log = base64.b64decode(json.loads(out)["LogResult"]).decode()
                inits[net].append(float(re.search(r"Init Duration: ([\d.]+) ms", log).group(1)))  # type: ignore[union-attr]
                durations[net].append(float(re.search(r"\tDuration: ([\d.]+) ms", log).group(1)))  # type: ignore[union-attr]
            floor.append(timed(bare, env, tmp)[0])
    floor_ms = statistics.median(floor)
    print(f"MemorySize {args.memory} MB, medians of {args.rounds} rounds, load average {os.getloadavg()[0]:.1f}")
    print(f"bare docker run --rm IMAGE python3 -c pass:  {floor_ms:8.1f} ms")
    for net in networks:
        cli_ms = statistics.median(cli[net])
        print(f"cold lambdactl invoke, {net + ' network:':17} {cli_ms:8.1f} ms  = {cli_ms / floor_ms:.2f}x the bare run; "
              f"Init Duration {statistics.median(inits[net]):.1f} ms, Duration {statistics.median(durations[net]):.1f} ms")


if __name__ == "__main__":
    main()
