"""`lambdactl runtimes install-sdk`: pinned, atomic, one clear line when the registry can't be reached."""

from __future__ import annotations

import json
import re

import pytest

from lambdactl.runtime import sdk


def test_pins_are_exact_and_hashed():
    requirements = [line for line in (sdk.PINS / "python-requirements.txt").read_text().splitlines()
                    if line and not line.startswith("#")]
    assert requirements and all(re.fullmatch(r"[\w.-]+==[\w.]+ --hash=sha256:[0-9a-f]{64}", r) for r in requirements)
    assert f"boto3=={sdk.PYTHON_SDK.removeprefix('boto3-')} " in "\n".join(requirements) + " "
    package = json.loads((sdk.PINS / "node" / "package.json").read_text())
    lock = json.loads((sdk.PINS / "node" / "package-lock.json").read_text())
    assert package["dependencies"]["@aws-sdk/client-sqs"] == sdk.NODE_SDK.removeprefix("aws-sdk-js-")
    assert all(re.fullmatch(r"\d+\.\d+\.\d+", version) for version in package["dependencies"].values())
    for name in ("client-sqs", "client-s3", "client-dynamodb", "client-lambda", "client-eventbridge"):
        assert f"@aws-sdk/{name}" in package["dependencies"]
    installed = {k: v for k, v in lock["packages"].items() if k}
    assert installed and all(v.get("integrity", "").startswith("sha512-") for v in installed.values())


def test_pip_offline_is_one_line_and_leaves_nothing(cli):
    result = cli("runtimes", "install-sdk", "--language", "python", "--scope", "state-dir", rc=255,
                 env={"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": "/nonexistent"})
    assert result.stderr.strip() == (
        f"Could not install the AWS SDK for Python ({sdk.PYTHON_SDK}) with pip: No matching distribution found for "
        f"{sdk.PYTHON_SDK.replace('-', '==')}: connect to PyPI (or set PIP_INDEX_URL to a mirror) and run "
        "`lambdactl runtimes install-sdk` again")
    assert not (cli.state_dir / "sdk").exists()


def test_npm_offline_is_one_line_and_leaves_nothing(cli, tmp_path):
    result = cli("runtimes", "install-sdk", "--language", "node", "--scope", "state-dir", rc=255,
                 env={"npm_config_registry": "http://127.0.0.1:9/", "npm_config_cache": str(tmp_path / "npm"),
                      "npm_config_fetch_retries": "0"})
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"Could not install the AWS SDK for JavaScript ({sdk.NODE_SDK}) with npm: ")
    assert "ECONNREFUSED" in line and line.endswith("and run `lambdactl runtimes install-sdk` again")
    assert not (cli.state_dir / "sdk").exists()


@pytest.mark.slow
def test_install_into_the_state_dir_once(cli):
    first = cli("runtimes", "install-sdk", "--language", "python", "--scope", "state-dir", timeout=300)
    target = cli.state_dir / "sdk" / "python" / sdk.PYTHON_SDK
    assert first.stdout == f"python: {sdk.PYTHON_SDK} installed in {target}\n"
    assert sdk.python_dir(cli.state_dir) == target and (target / "boto3" / "__init__.py").is_file()
    assert list((target / "boto3" / "__pycache__").glob("__init__.cpython-*.pyc"))
    again = cli("runtimes", "install-sdk", "--language", "python", "--scope", "state-dir")
    assert again.stdout == f"python: {sdk.PYTHON_SDK} already installed in {target}\n"
