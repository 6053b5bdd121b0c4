"""serve's orchestration outside Click: the docker check through the control plane's API, and the
endpoint URL carried by Settings (where FunctionUrl points)."""

from __future__ import annotations

import io
import zipfile

from lambdactl.control import function_urls
from lambdactl.plane import ControlPlane, Settings
from lambdactl.server import serve as serve_module


def zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("app.py", "def handler(e, c):\n    return e\n")
    return buf.getvalue()


def create(plane: ControlPlane, name: str, **extra: object) -> None:
    plane.call("CreateFunction", {
        "FunctionName": name, "Runtime": "python3.12", "Role": "arn:aws:iam::123456789012:role/r",
        "Handler": "app.handler", "Code": {"ZipFile": zip_bytes()}, **extra,
    })  # fmt: skip


def test_uses_docker_pages_through_every_version(tmp_path) -> None:
    plane = ControlPlane(Settings(state_dir=tmp_path / "state"))
    try:
        assert serve_module._uses_docker(plane) is False
        for index in range(55):  # more than one ListFunctions page
            create(plane, f"f{index:02d}")
        assert serve_module._uses_docker(plane) is False
        create(plane, "zz-docker", LambdactlBackend="docker")
        assert serve_module._uses_docker(plane) is True
    finally:
        plane.close()


def test_function_url_base_comes_from_settings(tmp_path) -> None:
    plain = ControlPlane(Settings(state_dir=tmp_path / "a"))
    served = ControlPlane(Settings(state_dir=tmp_path / "b", endpoint_url="http://127.0.0.1:4567/"))
    try:
        assert function_urls.base_url(plain) == function_urls.DEFAULT_BASE
        assert function_urls.base_url(served) == "http://127.0.0.1:4567"
    finally:
        plain.close()
        served.close()


def test_the_click_command_only_parses_and_calls() -> None:
    from lambdactl.cli.commands import serve as command

    assert not hasattr(command, "run") and not hasattr(command, "_clean_docker_leftovers")
    assert callable(serve_module.serve)
