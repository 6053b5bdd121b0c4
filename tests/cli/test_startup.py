"""Start-up stays light: `--version` and `list-functions` import none of the heavy dependencies."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

HEAVY = {"docker", "rich", "yaml", "tabulate", "jmespath", "requests", "urllib3", "http", "asyncio", "boto3", "botocore"}

PROBE = textwrap.dedent(
    """
    import json, sys, runpy
    sys.argv = ["lambdactl", *sys.argv[1:]]
    code = None
    try:
        runpy.run_module("lambdactl", run_name="__main__")
    except SystemExit as exc:
        code = exc.code
    heavy = sorted({m.split(".")[0] for m in sys.modules} & set(json.loads(%r)))
    print("\\nPROBE " + json.dumps({"code": code, "heavy": heavy}), file=sys.stderr)
    """
) % json.dumps(sorted(HEAVY))


@pytest.mark.parametrize("args", [["--version"], ["list-functions"], ["get-function-configuration",
                                  "--function-name", "nope"]])  # fmt: skip
def test_no_heavy_imports_at_start_up(cli, args):
    proc = subprocess.run([sys.executable, "-c", PROBE, *args], env=cli.environment(), capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    line = [row for row in proc.stderr.splitlines() if row.startswith("PROBE ")][-1]
    report = json.loads(line[len("PROBE "):])
    assert report["code"] in (0, 254, None), proc.stderr
    assert report["heavy"] == [], f"imported at start-up: {report['heavy']}"
