"""`make -C samples test` creates, updates, invokes and checks every sample against a fresh state dir."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_samples_makefile(tmp_path: Path) -> None:
    lambdactl = Path(sys.executable).with_name("lambdactl")
    env = {**os.environ, "LAMBDACTL": str(lambdactl) if lambdactl.exists() else f"{sys.executable} -m lambdactl"}
    env.pop("LAMBDACTL_STATE_DIR", None)
    result = subprocess.run(["make", "-C", str(SAMPLES), "test"], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    subprocess.run(["make", "-C", str(SAMPLES), "clean"], env=env, capture_output=True, timeout=60)
