"""`lambdactl doctor` and `--version` say what this machine can run, checked against the machine itself."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys


def rows(out: str) -> dict[str, tuple[str, str]]:
    """check -> (ok|--, first line of detail)."""
    found = {}
    for line in out.splitlines()[1:]:
        match = re.match(r"(\S+(?: \S+)*?)\s{2,}(ok|--)\s{2}(.*)", line)
        if match:
            found[match.group(1)] = (match.group(2), match.group(3))
    return found


def test_doctor_reports_this_machine(cli) -> None:
    out = cli("doctor").stdout
    found = rows(out)
    assert found["lambdactl"][1].startswith("0.1.0 Python/" + ".".join(map(str, sys.version_info[:3])))
    assert found["system"][0] == ("ok" if sys.platform.startswith("linux") else "--")
    assert found["state directory"][1].startswith(str(cli.state_dir))
    assert found["serve"] == ("ok", "not running")
    assert found["subprocess backend"][0] == "ok"
    assert ("memory cgroup" in found["subprocess backend"][1]) or ("resident memory" in out)
    engine = subprocess.run(["docker", "version"], capture_output=True).returncode == 0 if shutil.which("docker") else False
    assert (found["docker backend"][0] == "ok") == engine
    python = f"python3.{sys.version_info[1]}"
    assert found[python] == ("ok", "runs on the subprocess backend")
    assert found["provided.al2023"][0] == "ok"
    assert found["dotnet8"][0] == "--" and "--backend docker" in out.split("dotnet8", 1)[1]
    if shutil.which("node") is None:
        assert found["nodejs20.x"][0] == "--"


def test_doctor_without_an_engine_says_what_to_do(cli) -> None:
    out = cli("doctor", env={"DOCKER_HOST": "unix:///nonexistent/docker.sock"}).stdout
    ok, detail = rows(out)["docker backend"]
    assert ok == "--" and "No Docker engine answers at unix:///nonexistent/docker.sock" in detail


def test_version_names_the_backends_found(cli) -> None:
    line = cli("--version").stdout.strip()
    assert re.fullmatch(r"lambdactl \S+ Python/\d+\.\d+\.\d+ \S+/\S+ \S+ backends/subprocess(,docker)? "
                        r"\(lambdactl doctor: details\)", line), line
    assert ("docker" in line.split("backends/")[1]) == os.path.exists("/var/run/docker.sock")


def test_doctor_reports_the_cpu_limit_and_the_bundled_sdk(cli) -> None:
    from lambdactl.backends.subprocess import cpu_cgroup_base
    from lambdactl.runtime import sdk

    found = rows(cli("doctor").stdout)
    assert found["CPU limit"][0] == ("ok" if cpu_cgroup_base() else "--")
    for name, installed in (("AWS SDK for Python", sdk.python_dir(cli.state_dir)),
                            ("AWS SDK for Node.js", sdk.node_dir(cli.state_dir))):
        ok, first_line = found[name]
        if installed:  # the path, maybe wrapped: its first line is a prefix
            assert ok == "ok" and str(installed).startswith(first_line), found[name]
        else:
            assert ok == "--" and first_line.startswith("not installed: functions can't import it"), found[name]
