"""The docker backend end to end: `lambdactl` commands against a real engine and locally built images."""

from __future__ import annotations

import base64
import json
import shutil
import signal
import subprocess
import time
import zipfile
from pathlib import Path

import pytest

from conftest import our_containers
from runtime.test_cpu_limit import check_cpu_shares

FUNCTION_TAG = "lambdactl-test/image-function:latest"
APP = '''
import os, time

def handler(event, context):
    print("hello from the container")
    return {"uid": os.getuid(), "cwd": os.getcwd(), "task_root": os.environ["LAMBDA_TASK_ROOT"],
            "runtime_dir": os.environ["LAMBDA_RUNTIME_DIR"], "tmpdir": os.environ.get("TMPDIR"),
            "api": os.environ["AWS_LAMBDA_RUNTIME_API"], "mine": os.environ.get("MINE"),
            "memory": context.memory_limit_in_mb, "name": os.environ["AWS_LAMBDA_FUNCTION_NAME"]}

def fail(event, context):
    raise ValueError("boom")

def sleep(event, context):
    open("/tmp/sleeping", "w").close()  # in_handler() looks for it
    time.sleep(event.get("s", 30))
    return "woke"

def hog(event, context):
    blocks = []
    for _ in range(400):
        blocks.append(bytearray(1 << 20))  # touched: really resident
    return len(blocks)

def write(event, context):
    results = {}
    for path in ("/var/task/x", "/etc/x", "/x", "/tmp/x"):
        try:
            with open(path, "w") as f:
                f.write("x")
            results[path] = "ok"
        except OSError as exc:
            results[path] = type(exc).__name__ + ":" + str(exc.errno)
    return results
'''


def state(state_snapshot, state_dir: Path) -> tuple:
    """The function state (database and stored code), without the unpacked-code cache an invoke may fill."""
    dump, files = state_snapshot(state_dir)
    return dump, [f for f in files if not f[0].startswith("cache/")]


def invoke(cli, name: str, payload: str = "{}", rc: int = 0, **kw) -> tuple[dict, object]:
    result = cli("invoke", "--function-name", name, "--cli-binary-format", "raw-in-base64-out",
                 "--payload", payload, "--log-type", "Tail", "out.json", rc=rc, **kw)
    meta = result.json
    meta["Log"] = base64.b64decode(meta.get("LogResult", "")).decode()
    return meta, json.loads((cli.cwd / "out.json").read_text())


@pytest.fixture
def app_zip(tmp_path: Path) -> Path:
    """Mode 644, as `zip` makes it: the container's user (993, as Lambda's) is not the owner, and
    like Lambda the runtime can't read a file only its owner may (zipfile's default is 600)."""
    path = tmp_path / "app.zip"
    with zipfile.ZipFile(path, "w") as archive:
        info = zipfile.ZipInfo("app.py")
        info.external_attr = 0o644 << 16
        archive.writestr(info, APP)
    return path


def create(cli, name: str, app_zip: Path, handler: str = "app.handler", *extra: str) -> None:
    cli("create-function", "--function-name", name, "--runtime", "python3.12", "--handler", handler,
        "--zip-file", f"fileb://{app_zip}", "--backend", "docker", *extra)


def test_zip_function_runs_in_the_runtime_image(cli, app_zip, no_leftovers):
    create(cli, "zip", app_zip, "app.handler", "--memory-size", "1024", "--environment", "Variables={MINE=yes}")
    meta, body = invoke(cli, "zip")
    assert meta["StatusCode"] == 200 and "FunctionError" not in meta
    assert body == {"uid": 993, "cwd": "/var/task", "task_root": "/var/task", "runtime_dir": "/var/runtime",
                    "tmpdir": None, "api": body["api"], "mine": "yes", "memory": "1024", "name": "zip"}
    assert body["api"].startswith("127.0.0.1:")
    assert "hello from the container" in meta["Log"]
    report = meta["Log"].splitlines()[-1]
    assert report.startswith("REPORT") and "Memory Size: 1024 MB" in report and "Init Duration" in report
    used = int(report.split("Max Memory Used: ")[1].split()[0])
    assert 0 < used < 1024


def test_image_function_with_command_override(cli, no_leftovers):
    created = cli("create-function", "--function-name", "img", "--package-type", "Image", "--code",
                  f"ImageUri={FUNCTION_TAG}", "--memory-size", "1024").json
    # Lambda resolves the tag when the code is set (recorded: test_lambda_image_crud, "ResolvedImageUri":
    # "<repo_uri>@sha256:<code-sha256:1>", CodeSha256 the same hex): an image built here has no registry
    # digest, so its content digest (Id) stands for it
    image_id = subprocess.run(["docker", "image", "inspect", FUNCTION_TAG, "--format", "{{.Id}}"],
                              capture_output=True, text=True, check=True).stdout.strip()
    assert created["CodeSha256"] == image_id.removeprefix("sha256:")
    code = cli("get-function", "--function-name", "img").json["Code"]
    assert code == {"RepositoryType": "ECR", "ImageUri": FUNCTION_TAG,
                    "ResolvedImageUri": f"lambdactl-test/image-function@{image_id}"}
    meta, body = invoke(cli, "img", '{"k": 1}')
    assert body == {"from": "image", "cwd": "/var/task", "handler": "app.handler"}
    cli("update-function-configuration", "--function-name", "img", "--image-config", 'Command=["app.other"]')
    meta, body = invoke(cli, "img", '{"k": 1}')
    assert body == {"from": "image-other", "event": {"k": 1}}


def test_handler_error(cli, app_zip, no_leftovers):
    create(cli, "err", app_zip, "app.fail", "--memory-size", "1024")
    meta, body = invoke(cli, "err")
    assert meta["FunctionError"] == "Unhandled"
    assert body["errorType"] == "ValueError" and body["errorMessage"] == "boom"
    assert "[ERROR] ValueError: boom" in meta["Log"]


def test_timeout_stops_the_container(cli, app_zip, no_leftovers):
    create(cli, "slow", app_zip, "app.sleep", "--memory-size", "1024", "--timeout", "1")
    meta, body = invoke(cli, "slow", '{"s": 30}')
    assert meta["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in meta["Log"]


def test_memory_limit_kills_with_out_of_memory(cli, app_zip, no_leftovers):
    # 256 MB gives 0.14 vCPU: filling the memory can outlast the default 3 s timeout on a slow machine.
    create(cli, "hog", app_zip, "app.hog", "--memory-size", "256", "--timeout", "60")
    meta, body = invoke(cli, "hog")
    assert meta["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.ExitError"
    assert "signal: killed" in body["errorMessage"]
    assert "Error Type: Runtime.OutOfMemory" in meta["Log"]
    assert "Max Memory Used: 256 MB" in meta["Log"]  # the cgroup went with the container: it was full


def test_cpu_follows_memory_and_init_is_unthrottled(cli, tmp_path, no_leftovers):
    """The same loop at 128 MB and at 1769 MB, at init and in the handler: a ratio within one run."""
    cli.env["LAMBDACTL_WARM_INVOKE"] = "0"  # one cold container per invoke, gone with the command
    path = tmp_path / "cpu.zip"
    with zipfile.ZipFile(path, "w") as archive:
        info = zipfile.ZipInfo("app.py")
        info.external_attr = 0o644 << 16
        archive.writestr(info, (Path(__file__).parents[1] / "fixtures" / "functions" / "cpu" / "app.py").read_text())
    timings = {}
    for memory in ("128", "1769"):
        create(cli, f"cpu{memory}", path, "app.handler", "--memory-size", memory, "--timeout", "30")
        meta, timings[memory] = invoke(cli, f"cpu{memory}")
        assert "FunctionError" not in meta, timings[memory]
    check_cpu_shares(timings["128"], timings["1769"])


def test_code_and_root_are_read_only_tmp_is_not(cli, app_zip, no_leftovers):
    create(cli, "rw", app_zip, "app.write", "--memory-size", "1024")
    meta, body = invoke(cli, "rw")
    assert body["/tmp/x"] == "ok"
    for path in ("/var/task/x", "/etc/x", "/x"):
        assert body[path] in ("OSError:30", "PermissionError:13"), (path, body[path])  # EROFS / EACCES


def in_handler(state_dir: Path, proc) -> None:
    """Wait (≤ 30 s) until the state dir's container runs the ``sleep`` handler. (Killed earlier, the CLI
    takes the container's Runtime API with it: the runtime then exits and the engine removes it.)"""
    deadline = time.monotonic() + 30
    while True:
        assert time.monotonic() < deadline and proc.poll() is None, proc.communicate()
        found = our_containers(state_dir)
        if found and subprocess.run(["docker", "exec", found[0], "/bin/sh", "-c", "test -e /tmp/sleeping"],
                                    capture_output=True).returncode == 0:
            return
        time.sleep(0.1)


def test_killed_cli_leaves_no_container(cli, app_zip, state_dir):
    create(cli, "hang", app_zip, "app.sleep", "--memory-size", "1024", "--timeout", "60")
    proc = cli.popen("invoke", "--function-name", "hang", "--cli-binary-format", "raw-in-base64-out",
                     "--payload", '{"s": 600}', "out.json")
    in_handler(state_dir, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert our_containers(state_dir), "the container should outlive a SIGKILLed CLI until cleanup"
    result = cli("docker", "cleanup")
    assert result.stdout.strip().startswith("lambdactl-hang-")
    assert our_containers(state_dir) == []


def test_next_docker_invoke_cleans_up_leftovers(cli, app_zip, state_dir, no_leftovers):
    create(cli, "hang2", app_zip, "app.sleep", "--memory-size", "1024", "--timeout", "60")
    create(cli, "ok2", app_zip, "app.handler", "--memory-size", "1024")
    proc = cli.popen("invoke", "--function-name", "hang2", "--cli-binary-format", "raw-in-base64-out",
                     "--payload", '{"s": 600}', "out.json")
    in_handler(state_dir, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    invoke(cli, "ok2")
    deadline = time.monotonic() + 10
    while our_containers(state_dir):
        assert time.monotonic() < deadline, "leftover not removed by the next docker invoke"
        time.sleep(0.1)


def test_no_engine_is_one_clear_error(cli, app_zip, state_dir, state_snapshot, tmp_path):
    create(cli, "noeng", app_zip, "app.handler")
    before = state(state_snapshot, state_dir)
    dead = f"unix://{tmp_path}/nothing.sock"
    result = cli("invoke", "--function-name", "noeng", "out.json", rc=254, env={"DOCKER_HOST": dead})
    assert result.stderr.strip().splitlines() == [
        f"An error occurred (ServiceException) when calling the Invoke operation: No Docker engine answers at {dead}: "
        "start Docker (or dockerd), or point DOCKER_HOST at a running engine."]
    assert state(state_snapshot, state_dir) == before


def test_missing_image_is_one_clear_error(cli, app_zip, state_dir, state_snapshot):
    cli("create-function", "--function-name", "noimg", "--package-type", "Image",
        "--code", "ImageUri=lambdactl-test/does-not-exist:1")
    before = state(state_snapshot, state_dir)
    result = cli("invoke", "--function-name", "noimg", "out.json", rc=254)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "lambdactl-test/does-not-exist:1" in lines[0] and "docker build -t" in lines[0]
    assert state(state_snapshot, state_dir) == before


def test_image_override_setting(cli, app_zip, state_dir, no_leftovers):
    subprocess.run(["docker", "tag", "public.ecr.aws/lambda/python:3.12", "lambdactl-test/python-custom:3.12"], check=True)
    create(cli, "ovr", app_zip, "app.handler", "--memory-size", "1024")
    cli("docker", "set-image", "--function-name", "ovr", "lambdactl-test/missing-override:1")
    result = cli("invoke", "--function-name", "ovr", "out.json", rc=254)
    assert "lambdactl-test/missing-override:1" in result.stderr
    cli("docker", "set-image", "--function-name", "ovr", "--unset")
    cli("docker", "set-image", "--runtime", "python3.12", "lambdactl-test/python-custom:3.12")
    assert json.loads((state_dir / "docker.json").read_text())["runtimes"] == {
        "python3.12": "lambdactl-test/python-custom:3.12"}
    meta, body = invoke(cli, "ovr")
    assert body["name"] == "ovr"
    result = cli("invoke", "--function-name", "ovr", "out.json", rc=254,
                 env={"LAMBDACTL_IMAGE_PYTHON3_12": "lambdactl-test/missing-env:1"})
    assert "lambdactl-test/missing-env:1" in result.stderr


ESCAPE = '''
import json, urllib.request, urllib.error, os

def handler(event, context):
    body = json.dumps({"FunctionName": "escaped", "Runtime": "python3.12", "Handler": "app.handler",
                       "Role": "arn:aws:iam::123456789012:role/r", "Code": {"ZipFile": event["zip"]}}).encode()
    request = urllib.request.Request(os.environ["AWS_ENDPOINT_URL_LAMBDA"] + "/2015-03-31/functions", data=body,
                                     headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request) as reply:
            return {"status": reply.status}
    except urllib.error.HTTPError as exc:
        return {"status": exc.code, "body": json.loads(exc.read())}
'''


def test_a_container_cant_create_a_host_function_through_serve(cli, tmp_path, state_dir, no_leftovers):
    """The escape of issue 12: a docker function, credentials dropped, asks serve for a subprocess function."""
    from serving import start_server

    escape = tmp_path / "escape.zip"
    with zipfile.ZipFile(escape, "w") as archive:
        info = zipfile.ZipInfo("app.py")
        info.external_attr = 0o644 << 16
        archive.writestr(info, ESCAPE)
    create(cli, "jail", escape, "app.handler", "--timeout", "30")
    server = start_server(state_dir, tmp_path / "serve.log")
    try:
        payload = json.dumps({"zip": base64.b64encode(escape.read_bytes()).decode()})
        meta, reply = invoke(cli, "jail", payload, env={"LAMBDACTL_ENDPOINT_URL": server.url})
        assert reply["status"] == 403, (meta, reply)
        assert "not isolated from the host" in reply["body"]["Message"]
        names = cli("list-functions", "--query", "Functions[].FunctionName", "--output", "text",
                    env={"LAMBDACTL_ENDPOINT_URL": server.url}).stdout.split()
        assert names == ["jail"]
    finally:
        assert server.stop() == 0


@pytest.fixture(scope="module")
def java_zip(tmp_path_factory) -> Path:
    """The Java fixture functions, compiled, zipped world-readable (the container's user is not us)."""
    from runtime.test_java_runtime import compile_fixture

    if shutil.which("javac") is None:
        pytest.skip("needs javac")
    out = tmp_path_factory.mktemp("java")
    code = compile_fixture(out)
    path = out / "java.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for file in sorted(p for p in code.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(str(file.relative_to(code)))
            info.external_attr = 0o644 << 16
            archive.writestr(info, file.read_bytes())
    return path


def test_java_function_in_the_java_image(cli, java_zip, no_leftovers):
    import importlib.util

    spec = importlib.util.spec_from_file_location("lambdactl_test_images", Path(__file__).parent / "images" / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    if not build.ensure_java_image():
        pytest.skip("the java:17 look-alike needs a host JDK 17 (jlink)")
    cli.env["LAMBDACTL_WARM_INVOKE"] = "0"  # one cold container per invoke, gone with the command
    for name, handler in (("jpojo", "example.Handlers::greet"), ("jfail", "example.Handlers::fail"),
                          ("jmissing", "example.Nope")):
        cli("create-function", "--function-name", name, "--runtime", "java17", "--handler", handler,
            "--zip-file", f"fileb://{java_zip}", "--backend", "docker", "--memory-size", "512")
    meta, body = invoke(cli, "jpojo", '{"name": "Ada", "age": 36, "tags": ["x"]}')
    assert "FunctionError" not in meta and body == {"text": "hi Ada [x]", "adult": True, "path": ["a", "b"]}
    assert "Init Duration" in meta["Log"]
    meta, body = invoke(cli, "jfail")
    assert meta["FunctionError"] == "Unhandled"
    assert body["errorType"] == "java.lang.IllegalStateException" and body["cause"]["errorMessage"] == "the cause"
    meta, body = invoke(cli, "jmissing")
    assert body["errorMessage"] == "Class not found: example.Nope"
