"""What a cold docker-backend CLI invoke spends its time on: none of it on an HTTP library's import."""

from __future__ import annotations

import re
import subprocess
import sys

from test_docker_backend import app_zip, create  # noqa: F401 - app_zip is a fixture


def test_a_cold_docker_invoke_imports_no_http_library(cli, app_zip, no_leftovers):
    """The docker SDK's requests/urllib3/ssl cost ~270 ms, as much as a bare `docker run`."""
    create(cli, "cold", app_zip, "app.handler")
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "lambdactl", "invoke", "--function-name", "cold",
                           "out.json"], env=cli.environment(LAMBDACTL_WARM_INVOKE="0"), cwd=cli.cwd,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    imported = set(re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\S+)$", done.stderr, re.M))
    assert "lambdactl.backends.engine" in imported  # it did run on the docker backend
    assert not imported & {"docker", "requests", "urllib3", "ssl", "http.client"}, sorted(
        imported & {"docker", "requests", "urllib3", "ssl", "http.client"})
