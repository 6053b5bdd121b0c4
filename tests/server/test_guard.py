"""serve's API refuses web pages (Origin, Sec-Fetch-Site, a foreign Host, a form-like body)
and answers malformed HTTP framing with a 400/413 instead of a traceback; real clients pass."""

from __future__ import annotations

import io
import json
import socket
import subprocess
import zipfile
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest

from lambdactl.server import app

from .conftest import ROLE, create, zip_bytes

CREATE_BODY = json.dumps({
    "FunctionName": "pwned", "Runtime": "python3.12", "Role": ROLE, "Handler": "app.handler",
    "Code": {"ZipFile": __import__("base64").b64encode(zip_bytes()).decode()},
}).encode()  # fmt: skip
FUNCTIONS = "/2015-03-31/functions"


def raw(server, data: bytes, timeout: float = 10) -> tuple[int, dict[str, str], bytes]:
    """Send bytes on a fresh socket; (status, headers, body) of the answer, read until close or Content-Length."""
    parts = urlsplit(server.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
        sock.sendall(data)
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = sock.recv(65536)
            assert chunk, f"connection closed without an answer: {received!r}"
            received += chunk
        head, _, body = received.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        length = int(headers.get("content-length", "0"))
        while len(body) < length:
            chunk = sock.recv(65536)
            assert chunk
            body += chunk
    return int(lines[0].split()[1]), headers, body


def request(server, method: str, target: str, headers: dict[str, str], body: bytes = b"") -> tuple[int, dict[str, str], bytes]:
    netloc = urlsplit(server.url).netloc
    head = {"Host": netloc, "Content-Length": str(len(body)), **headers}
    lines = [f"{method} {target} HTTP/1.1", *(f"{k}: {v}" for k, v in head.items())]
    return raw(server, ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)


def assert_refused(answer: tuple[int, dict[str, str], bytes]) -> None:
    status, headers, body = answer
    assert status == 403, answer
    assert headers["x-amzn-errortype"] == "AccessDeniedException"
    assert "Cross-origin requests are refused by lambdactl serve" in json.loads(body)["Message"]


def assert_alive(server) -> None:
    assert server.process.poll() is None
    assert "Traceback" not in server.log.read_text()


# ---------------------------------------------------------------- browsers and rebinding


@pytest.mark.parametrize("headers", [
    {"Content-Type": "text/plain;charset=UTF-8", "Origin": "https://evil.example"},  # fetch(no-cors) / form post
    {"Content-Type": "text/plain", "Origin": "null"},  # a sandboxed iframe
    {"Content-Type": "application/json", "Origin": "https://evil.example"},  # (would need a preflight: refused anyway)
    {"Content-Type": "application/x-www-form-urlencoded", "Origin": "https://evil.example"},  # a form post
    {"Content-Type": "multipart/form-data; boundary=x", "Origin": "null"},
    {"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Site": "none"},
    {"Content-Type": "application/json", "Sec-Fetch-Site": "cross-site"},
    {"Content-Type": "application/json", "Sec-Fetch-Site": "same-site"},
], ids=["text-plain-origin", "null-origin", "json-origin", "form", "multipart", "browser-form", "cross-site",
        "same-site"])  # fmt: skip
def test_a_web_page_cannot_create_a_function(server, client, headers: dict[str, str]) -> None:
    assert_refused(request(server, "POST", FUNCTIONS, headers, CREATE_BODY))
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_function(FunctionName="pwned")
    assert_alive(server)


def test_the_emulator_documented_curl_line_invokes(server, client) -> None:
    """`curl -XPOST .../2015-03-31/functions/NAME/invocations -d '{}'` (the emulator's README): a form Content-Type,
    but no Origin and no Sec-Fetch-* header, so no browser sent it."""
    create(client, "curl-d")
    target = "/2015-03-31/functions/curl-d/invocations"
    headers = {"Content-Type": "application/x-www-form-urlencoded", "User-Agent": "curl/8.5.0", "Accept": "*/*"}
    status, _, body = request(server, "POST", target, headers, b'{"name": "curl"}')
    assert status == 200 and json.loads(body)["echo"] == {"name": "curl"}
    status, _, _ = request(server, "POST", target, {**headers, "Origin": "https://evil.example"}, b"{}")
    assert status == 403


def test_the_curl_style_attack_is_refused_and_creates_nothing(server, client) -> None:
    """What `fetch(url, {method: "POST", mode: "no-cors", body})` sends from any page."""
    status, _, _ = request(server, "POST", FUNCTIONS, {
        "Content-Type": "text/plain;charset=UTF-8", "Origin": "http://attacker.example",
        "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors",
    }, CREATE_BODY)  # fmt: skip
    assert status == 403
    names = [f["FunctionName"] for f in client.list_functions(FunctionVersion="ALL")["Functions"]]
    assert "pwned" not in names


@pytest.mark.parametrize("host", ["attacker.example", "attacker.example:{port}", "localhost:1", "127.0.0.1.nip.io:{port}",
                                  "192.168.0.10:{port}", "[::2]:{port}", "localhost.:{port}"])  # fmt: skip
def test_a_rebinding_host_is_refused(server, host: str) -> None:
    port = urlsplit(server.url).port
    assert_refused(request(server, "GET", FUNCTIONS, {"Host": host.format(port=port)}))
    assert_refused(request(server, "POST", FUNCTIONS, {"Host": host.format(port=port),
                                                       "Content-Type": "application/json"}, CREATE_BODY))


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.1:{port}", "localhost", "LOCALHOST:{port}", "[::1]", "[::1]:{port}"])
def test_loopback_hosts_are_served(server, host: str) -> None:
    port = urlsplit(server.url).port
    status, _, body = request(server, "GET", FUNCTIONS, {"Host": host.format(port=port)})
    assert status == 200 and "Functions" in json.loads(body)


def test_same_origin_fetch_metadata_is_served(server) -> None:
    for site in ("none", "same-origin"):
        status, _, _ = request(server, "GET", FUNCTIONS, {"Sec-Fetch-Site": site})
        assert status == 200


def test_function_urls_stay_public(server, client) -> None:
    create(client, "url-guard")
    url = client.create_function_url_config(FunctionName="url-guard", AuthType="NONE")["FunctionUrl"]
    path = urlsplit(url).path
    status, _, _ = request(server, "POST", path, {"Origin": "https://app.example", "Content-Type": "text/plain",
                                                  "Host": "anything.example"}, b"hi")  # fmt: skip
    assert status == 200


# ---------------------------------------------------------------- real clients still pass


def test_boto3_sends_only_accepted_content_types(server, client) -> None:
    seen: list[tuple[str, str]] = []

    def record(request, **_):  # type: ignore[no-untyped-def]
        seen.append((request.url, (request.headers.get("Content-Type") or b"").decode() if isinstance(
            request.headers.get("Content-Type"), bytes) else request.headers.get("Content-Type") or ""))

    client.meta.events.register("before-send.lambda.*", record)
    try:
        create(client, "guard-boto3")
        assert client.invoke(FunctionName="guard-boto3", Payload=b'{"raw": true}')["StatusCode"] == 200
        layer = io.BytesIO()
        with zipfile.ZipFile(layer, "w") as archive:
            archive.writestr("python/lib.py", "X = 1\n")
        client.publish_layer_version(LayerName="guard-layer", Content={"ZipFile": layer.getvalue()})
        client.update_function_configuration(FunctionName="guard-boto3", Description="still works")
    finally:
        client.meta.events.unregister("before-send.lambda.*", record)
    assert len(seen) == 4
    assert {content_type.split(";")[0] for _, content_type in seen} <= app.API_CONTENT_TYPES


def test_aws_cli_create_invoke_and_publish_layer(server, aws: str, tmp_path) -> None:
    code = tmp_path / "code.zip"
    code.write_bytes(zip_bytes())
    common = ["--endpoint-url", server.url, "--region", "us-east-1"]
    env = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "PATH": "/usr/bin:/bin"}

    def run(*args: str) -> dict:
        done = subprocess.run([aws, "lambda", *args, *common], capture_output=True, text=True, timeout=60, env=env,
                              check=False)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout) if done.stdout.strip() else {}

    run("create-function", "--function-name", "guard-cli", "--runtime", "python3.12", "--role", ROLE,
        "--handler", "app.handler", "--zip-file", f"fileb://{code}")  # fmt: skip
    out = tmp_path / "out.json"
    result = run("invoke", "--function-name", "guard-cli", "--payload", '{"from": "cli"}', str(out))  # v1: raw
    assert result["StatusCode"] == 200 and json.loads(out.read_text())["echo"] == {"from": "cli"}
    assert run("publish-layer-version", "--layer-name", "guard-cli-layer", "--zip-file", f"fileb://{code}")["Version"] >= 1


# ---------------------------------------------------------------- malformed framing


@pytest.mark.parametrize("length", ["abc", "-1", "1_0", "\u00b2", "5, 5", "0x10"])
def test_a_garbage_content_length_is_a_400(server, length: str) -> None:
    status, headers, body = request(server, "POST", FUNCTIONS, {"Content-Length": length,
                                                                "Content-Type": "application/json"}, b"{}")  # fmt: skip
    assert status == 400 and headers["connection"] == "close"
    assert headers["x-amzn-errortype"] == "BadRequestException" and "Content-Length" in json.loads(body)["message"]
    assert_alive(server)


def chunked_head(server, target: str = FUNCTIONS) -> bytes:
    netloc = urlsplit(server.url).netloc
    return (f"POST {target} HTTP/1.1\r\nHost: {netloc}\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n").encode()  # fmt: skip


@pytest.mark.parametrize("size", [b"zz", b"-5", b"0x10", b"1_0", b"", b"+4"])
def test_a_bad_chunk_size_is_a_400(server, size: bytes) -> None:
    status, headers, body = raw(server, chunked_head(server) + size + b"\r\n{}\r\n0\r\n\r\n")
    assert status == 400 and headers["connection"] == "close"
    assert "chunk" in json.loads(body)["message"]
    assert_alive(server)


def test_a_chunked_body_over_the_limit_is_a_413(server) -> None:
    """The running total counts: a small chunk, then one that takes it past MAX_BODY (never sent)."""
    second = format(app.MAX_BODY - 2, "x").encode()
    status, headers, _ = raw(server, chunked_head(server) + b"5\r\n{\"a\":\r\n" + second + b"\r\n")
    assert status == 413 and headers["x-amzn-errortype"] == "RequestEntityTooLargeException"
    status, _, _ = raw(server, chunked_head(server) + format(app.MAX_BODY + 1, "x").encode() + b"\r\n")
    assert status == 413
    assert_alive(server)


def test_a_chunked_body_is_still_read(server, client) -> None:
    create(client, "guard-chunked")
    netloc = urlsplit(server.url).netloc
    head = (f"POST {FUNCTIONS}/guard-chunked/invocations HTTP/1.1\r\nHost: {netloc}\r\n"
            "Transfer-Encoding: chunked\r\n\r\n").encode()  # fmt: skip
    status, _, body = raw(server, head + b"6;ext=1\r\n{\"a\": \r\n2\r\n1}\r\n0\r\nX-Trailer: t\r\n\r\n")
    assert status == 200 and json.loads(body)["echo"] == {"a": 1}


# ---------------------------------------------------------------- host policy, in-process


def policy(bind: str, port: int = 3001) -> SimpleNamespace:
    hosts, any_ip = app.allowed_hosts(bind)
    return SimpleNamespace(hosts=hosts, any_ip_host=any_ip, server_address=(bind, port))


def allowed(bind: str, host: str) -> bool:
    return app.LambdaServer.host_allowed(policy(bind), host)  # type: ignore[arg-type]


def test_host_policy_by_bind_address() -> None:
    for bind in ("127.0.0.1", "::1", "localhost"):
        assert allowed(bind, "127.0.0.1:3001") and allowed(bind, "localhost") and allowed(bind, "[::1]:3001")
        assert not allowed(bind, "127.0.0.1:3002") and not allowed(bind, "10.0.0.5:3001")
        assert not allowed(bind, "evil.example:3001")
    # --host elsewhere is the user's choice: that host is accepted too, names still are not
    assert allowed("10.0.0.5", "10.0.0.5:3001") and not allowed("10.0.0.6", "10.0.0.5:3001")
    assert allowed("devbox.lan", "DEVBOX.lan:3001") and not allowed("devbox.lan", "evil.example")
    assert allowed("fd00::5", "[fd00::5]:3001")
    for wildcard in ("0.0.0.0", "::"):  # any IP literal (rebinding needs a name), no other names
        assert allowed(wildcard, "192.168.1.20:3001") and allowed(wildcard, "[fe80::1]:3001")
        assert allowed(wildcard, "localhost:3001") and not allowed(wildcard, "evil.example:3001")
