"""What a docker function can reach on the network: the Runtime API and the served endpoints, nothing else."""

from __future__ import annotations

import json
import socket
import subprocess
import zipfile
from pathlib import Path

import pytest

from test_docker_backend import invoke

PROBE = '''
import json, os, socket, urllib.request

def handler(event, context):
    probe = socket.socket()
    probe.settimeout(5)
    try:
        probe.connect(("127.0.0.1", event["port"]))
        reached = "connected"
    except OSError as exc:
        reached = type(exc).__name__
    finally:
        probe.close()

    def sqs(op, body):
        request = urllib.request.Request(os.environ["AWS_ENDPOINT_URL_SQS"] + "/", data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/x-amz-json-1.0",
                                                  "X-Amz-Target": "AmazonSQS." + op})
        with urllib.request.urlopen(request, timeout=10) as reply:
            return json.loads(reply.read())

    url = sqs("CreateQueue", {"QueueName": "from-the-container"})["QueueUrl"]
    sqs("SendMessage", {"QueueUrl": url, "MessageBody": "hello from inside"})
    return {"reached": reached, "queue": url, "interfaces": sorted(os.listdir("/sys/class/net"))}
'''


def probe_zip(tmp_path: Path) -> Path:
    path = tmp_path / "probe.zip"
    with zipfile.ZipFile(path, "w") as archive:
        info = zipfile.ZipInfo("app.py")
        info.external_attr = 0o644 << 16  # the container's user is not the owner
        archive.writestr(info, PROBE)
    return path


@pytest.fixture
def host_port():
    """A port listening on the host's loopback that no function should reach."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.setblocking(False)
        yield listener


def run_probe(cli, tmp_path: Path, listener: socket.socket, name: str) -> dict:
    # The function's own endpoint variable naming the port opens nothing: only served endpoints are forwarded.
    variables = json.dumps({"Variables": {"AWS_ENDPOINT_URL_ELASTICACHE": f"http://127.0.0.1:{listener.getsockname()[1]}"}})
    cli("create-function", "--function-name", name, "--runtime", "python3.12", "--handler", "app.handler",
        "--role", "arn:aws:iam::123456789012:role/r", "--zip-file", f"fileb://{probe_zip(tmp_path)}",
        "--timeout", "30", "--backend", "docker", "--environment", variables)
    payload = json.dumps({"port": listener.getsockname()[1]})
    meta, reply = invoke(cli, name, payload)
    assert "FunctionError" not in meta, (meta, reply)
    received = cli("sqs", "receive-message", "--queue-url", reply["queue"]).json["Messages"]
    assert [m["Body"] for m in received] == ["hello from inside"]
    return reply


def test_a_docker_function_reaches_only_the_runtime_api_and_the_endpoints(cli, tmp_path, host_port, no_leftovers):
    reply = run_probe(cli, tmp_path, host_port, "probe")
    assert reply["reached"] == "ConnectionRefusedError", reply
    assert reply["interfaces"] == ["lo"], reply  # its own namespace, whichever NetworkMode made it
    with pytest.raises(BlockingIOError):
        host_port.accept()  # nothing got through


def test_host_network_is_an_opt_in_that_reaches_the_host(cli, tmp_path, host_port, no_leftovers):
    cli.env["LAMBDACTL_DOCKER_NETWORK"] = "host"
    reply = run_probe(cli, tmp_path, host_port, "probe")
    assert reply["reached"] == "connected", reply


def test_bridge_network_points_the_runtime_api_and_endpoints_at_the_host_alias():
    """Docker Desktop's bridge: 127.0.0.1 inside the container is the container itself."""
    from lambdactl.backends.docker import container_env

    env = {"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:4711", "AWS_ENDPOINT_URL_SQS": "http://127.0.0.1:9000",
           "AWS_ENDPOINT_URL": "http://127.0.0.1:9000", "LAMBDACTL_ENDPOINT_URL": "http://localhost:9000/",
           "AWS_ENDPOINT_URL_S3": "https://s3.example.com", "OTHER": "http://127.0.0.1:1"}
    seen = container_env(env, "bridge")
    assert seen == {"AWS_LAMBDA_RUNTIME_API": "host.docker.internal:4711",
                    "AWS_ENDPOINT_URL_SQS": "http://host.docker.internal:9000",
                    "AWS_ENDPOINT_URL": "http://host.docker.internal:9000",
                    "LAMBDACTL_ENDPOINT_URL": "http://host.docker.internal:9000/",
                    "AWS_ENDPOINT_URL_S3": "https://s3.example.com", "OTHER": "http://127.0.0.1:1"}
    assert container_env(env, "host") == env
    assert container_env(env, "isolated") == env


def test_without_the_capability_containers_share_the_host_network_with_a_warning(cli, tmp_path, host_port,
                                                                                 no_leftovers):
    """Where lambdactl can't enter a container's network namespace (here: root without CAP_SYS_ADMIN)."""
    import shutil

    if shutil.which("setpriv") is None:
        pytest.skip("needs setpriv (util-linux)")
    import subprocess
    import sys

    def run(*args: str) -> subprocess.CompletedProcess:
        done = subprocess.run(["setpriv", "--bounding-set", "-sys_admin", "--inh-caps", "-sys_admin", "--",
                               sys.executable, "-m", "lambdactl", *args], env=cli.environment(LAMBDACTL_WARM_INVOKE="0"),
                              cwd=cli.cwd, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done

    doctor = run("doctor").stdout
    assert [line.split()[:3] for line in doctor.splitlines() if line.startswith("docker network")] == [
        ["docker", "network", "--"]], doctor
    assert "CAP_SYS_ADMIN" in doctor
    cli("create-function", "--function-name", "probe", "--runtime", "python3.12", "--handler", "app.handler",
        "--role", "arn:aws:iam::123456789012:role/r", "--zip-file", f"fileb://{probe_zip(tmp_path)}",
        "--timeout", "30", "--backend", "docker")
    result = run("invoke", "--function-name", "probe", "--cli-binary-format", "raw-in-base64-out",
                 "--payload", json.dumps({"port": host_port.getsockname()[1]}), "out.json")
    assert json.loads((cli.cwd / "out.json").read_text())["reached"] == "connected"
    warnings = [line for line in result.stderr.splitlines() if "warning" in line]
    assert warnings == ["lambdactl: warning: docker functions share the host's network (they reach every port on "
                        "its loopback): entering a container's network namespace needs CAP_SYS_ADMIN and "
                        "CAP_SYS_PTRACE (root has them)"], result.stderr


def test_an_isolated_container_that_got_an_address_is_refused():
    from lambdactl.backends.docker import _check_isolated

    _check_isolated({"NetworkSettings": {"Networks": {"bridge": {"IPAddress": "", "EndpointID": ""}}}})
    with pytest.raises(OSError, match="bridge network"):
        _check_isolated({"NetworkSettings": {"Networks": {"bridge": {"IPAddress": "172.17.0.2"}}}})


def test_the_isolated_mode_follows_the_engine_s_bridge():
    """`none` where a bridge exists (`default` would join it); `default` where none does (the same namespace)."""
    from lambdactl.backends.docker import isolated_mode
    from lambdactl.backends.engine import Engine

    engine = Engine()
    bridged = engine.has_network("bridge")
    assert engine.has_network("none") and not engine.has_network("no-such-network-here")
    assert isolated_mode(engine) == ("none" if bridged else "default")


def doctor_network_line(cli, **env: str) -> str:
    """doctor's `docker network` row, its wrapped detail joined."""
    lines = cli("doctor", env=env).stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("docker network"))
    row = [lines[start]]
    for line in lines[start + 1:]:
        if not line.startswith(" "):
            break
        row.append(line)
    return " ".join(" ".join(row).split())


def test_doctor_says_when_the_docker_network_setting_names_no_usable_network(cli, state_dir, docker_engine):
    """The setting takes isolated, host or a docker network's name (the container joins it): a name the
    engine does not know, or its `none` network, can't run a function, and doctor says which setting says so."""
    engine_networks = subprocess.run(["docker", "network", "ls", "--format", "{{.Name}}"],
                                     capture_output=True, text=True, check=True).stdout.split()
    assert "lambdactl-no-such-net" not in engine_networks
    line = doctor_network_line(cli, LAMBDACTL_DOCKER_NETWORK="lambdactl-no-such-net")
    assert line == ("docker network -- `lambdactl-no-such-net` (LAMBDACTL_DOCKER_NETWORK): the Docker engine has no "
                    "such network; use isolated, host, or a network `docker network ls` lists")
    state_dir.mkdir()
    (state_dir / "docker.json").write_text(json.dumps({"docker": {"network": "none"}}))
    line = doctor_network_line(cli)
    assert line.startswith("docker network -- `none` (docker.json): a network without interfaces: functions could "
                           "not reach the Runtime API"), line
    for name in ("host", "isolated"):
        assert doctor_network_line(cli, LAMBDACTL_DOCKER_NETWORK=name).startswith("docker network ok"), name
    if "bridge" in engine_networks:  # dockerd --bridge=none has none
        assert doctor_network_line(cli, LAMBDACTL_DOCKER_NETWORK="bridge").startswith("docker network ok")
    else:
        assert "`bridge` (LAMBDACTL_DOCKER_NETWORK): the Docker engine has no such network" in doctor_network_line(
            cli, LAMBDACTL_DOCKER_NETWORK="bridge")
