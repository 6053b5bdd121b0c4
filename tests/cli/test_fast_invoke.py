"""`lambdactl invoke`'s fast path (cli/fast_invoke.py): with a background worker running, the common
forms skip Click and print exactly what the full command prints. Each form runs both ways
(``LAMBDACTL_FAST_INVOKE=0`` is the full command) and stdout, stderr, exit code and OUTFILE compare."""

from __future__ import annotations

import base64
import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from lambdactl import model, settings
from lambdactl.cli import fast_invoke
from lambdactl.protocols.rest_json import binding
from tests.conftest import CLI

HANDLER = '''
def handler(event, context):
    if event.get("fail"):
        raise ValueError("asked to fail")
    return {"event": event, "version": context.function_version}
'''
# The CLI in a fresh interpreter that says on stderr's last line whether the full command ran.
PROBE = """
import atexit, sys
from lambdactl.cli import fast_invoke, main
declined = []
def probe(args, run=fast_invoke.run):
    declined.append(None)
    code = run(args)
    declined[-1] = code is None
    return code
fast_invoke.run = probe
atexit.register(lambda: sys.stderr.write("\\n[full]" if declined in ([], [True]) else "\\n[fast]"))
main(sys.argv[1:])
"""
RAW = ("--cli-binary-format", "raw-in-base64-out")
FAST = [  # forms the fast path takes
    ("invoke", "--function-name", "fn", "out.json"),
    ("invoke", "--function-name=fn", "out.json"),
    ("--output", "json", "invoke", "--function-name", "fn", "--region", "us-east-1", "out.json"),
    ("invoke", "--function-name", "fn", "--payload", '{"name": "é"}', *RAW, "out.json"),
    ("invoke", "--function-name", "fn", "--payload", base64.b64encode(b'{"b64": true}').decode(), "out.json"),
    ("invoke", "--function-name", "fn", "--payload", "file://event.json", "out.json"),
    ("invoke", "--function-name", "fn", "--payload", "fileb://event.json", "out.json"),
    ("invoke", "--function-name", "fn", "--qualifier", "$LATEST", "out.json"),
    ("invoke", "--function-name", "fn", "--qualifier", "1", "out.json"),
    ("invoke", "--function-name", "fn", "--qualifier", "live", "out.json"),
    ("invoke", "--function-name", "fn", "--qualifier", "nosuch", "out.json"),  # 404
    ("invoke", "--function-name", "missing", "out.json"),  # 404
    ("invoke", "--function-name", "fn", "--payload", '{"fail": 1}', *RAW, "out.json"),  # FunctionError
    ("invoke", "--function-name", "fn", "--log-type", "Tail", "out.json"),
    ("invoke", "--function-name", "fn", "--log-type", "None", "out.json"),
    ("invoke", "--function-name", "fn", "--invocation-type", "RequestResponse", "out.json"),
    ("invoke", "--function-name", "fn", "--invocation-type", "Event", "out.json"),
    ("invoke", "--function-name", "fn", "no/such/dir/out.json"),  # invoked, then the outfile fails
    ("invoke", "--function-name", "fn", "--payload", "{not json", *RAW, "out.json"),
    ("--cli-read-timeout", "30", "invoke", "--function-name", "fn", "--cli-connect-timeout=0", "out.json"),
]
FULL = [  # forms left to the full command
    ("invoke", "--function-name", "fn", "--output", "text", "out.json"),
    ("invoke", "--function-name", "fn", "--query", "StatusCode", "out.json"),
    ("invoke", "--function-name", "fn", "--payload", "not base64!", "out.json"),
    ("invoke", "--function-name", "fn", "--payload", "fileb://nowhere.json", "out.json"),
    ("invoke", "--function-name", "fn", "--invocation-type", "DryRun", "out.json"),
    ("invoke", "--function-name", "fn", "--log-type", "tail", "out.json"),
    ("invoke", "--function-name", "fn", "out.json", "extra"),
    ("invoke", "--function-name", "fn"),
    ("invoke", "--function-name", "fn", "-"),
    ("invoke", "--function-name", "fn", "--function-name", "fn", "out.json"),
    ("invoke", "--function-name", "file://name.txt", "out.json"),
    ("invoke", "--function-name", "", "out.json"),
    ("invoke", "--function-name", "fn", "--region", "eu-west-1", "out.json"),
    ("invoke", "--function-name", "fn", "--fail-on-function-error", "out.json"),
    ("invoke", "--function-name", "fn", "--debug", "out.json"),
    ("invoke", "--function-name", "fn", "--generate-cli-skeleton"),
    ("--function-name", "fn", "invoke", "out.json"),
    ("invoke", "help"),
]


@pytest.fixture(scope="module")
def warm(tmp_path_factory: pytest.TempPathFactory, make_zip_module):
    """A state directory with function fn (version 1, alias live) and its background worker running."""
    tmp = tmp_path_factory.mktemp("fast")
    cli = CLI(tmp / "state", tmp)
    cli.env["LAMBDACTL_WORKER_IDLE_S"] = "120"  # stays up for the whole matrix; stopped below
    cli("create-function", "--function-name", "fn", "--runtime", "python3.12", "--handler", "app.handler",
        "--zip-file", f"fileb://{make_zip_module({'app.py': HANDLER})}")  # fmt: skip
    cli("publish-version", "--function-name", "fn")
    cli("create-alias", "--function-name", "fn", "--name", "live", "--function-version", "1")
    (tmp / "event.json").write_text('{"from": "file"}')
    (tmp / "name.txt").write_text("fn")
    cli("invoke", "--function-name", "fn", "out.json")  # cold; starts the worker
    record = _wait(lambda: (r := _worker(cli)) and r.get("url") and r)
    yield cli
    os.kill(record["pid"], signal.SIGTERM)
    _wait(lambda: _worker(cli) is None)


@pytest.fixture(scope="module")
def make_zip_module(tmp_path_factory: pytest.TempPathFactory):
    from tests.conftest import build_zip

    return lambda files: build_zip(tmp_path_factory.mktemp("zips") / "code.zip", files)


def _worker(cli: CLI) -> dict | None:
    try:
        return json.loads((cli.state_dir / "worker.json").read_text())
    except (FileNotFoundError, ValueError):
        return None


def _wait(condition, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)
    return result


def run(cli: CLI, args: tuple[str, ...], **env: str) -> tuple[int, str, str, bytes | None, bool]:
    """(exit code, stdout, stderr, OUTFILE's bytes, whether the full command ran), OUTFILE removed first."""
    outfile = cli.cwd / "out.json"
    outfile.unlink(missing_ok=True)
    proc = subprocess.run([sys.executable, "-c", PROBE, *args], env=cli.environment(**env), cwd=cli.cwd,
                          capture_output=True, timeout=60)  # fmt: skip
    stderr, _, probe = proc.stderr.decode().rpartition("\n")
    written = outfile.read_bytes() if outfile.exists() else None
    return proc.returncode, proc.stdout.decode(), stderr, written, probe == "[full]"


def normalized(text: str) -> str:
    """Per-invocation values (request ids, durations in a LogResult) blanked."""
    text = re.sub(r'"LogResult": "[^"]*"', lambda m: '"LogResult": "<log %s>"' % _log_shape(m.group(0)), text)
    return re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<id>", text)


def _log_shape(field: str) -> str:
    lines = base64.b64decode(field.split('"')[3]).decode().splitlines()
    assert not any("Init Duration" in line for line in lines)  # warm, both ways: the worker ran it
    return "/".join(line.split(" ")[0] for line in lines)


@pytest.mark.slow
@pytest.mark.parametrize("args", FAST, ids=" ".join)
def test_a_fast_form_prints_what_the_full_command_prints(warm, args):
    full = run(warm, args, LAMBDACTL_FAST_INVOKE="0")
    fast = run(warm, args)
    assert full[4] and not fast[4], "the fast path took it, not the full command"
    code, stdout, stderr, written, _ = fast
    assert (code, normalized(stdout), stderr) == (full[0], normalized(full[1]), full[2])
    assert (written is None) == (full[3] is None)
    if written is not None:
        assert normalized(written.decode()) == normalized(full[3].decode())
    if "Tail" in args:
        assert "LogResult" in stdout


@pytest.mark.slow
@pytest.mark.parametrize("args", FULL, ids=" ".join)
def test_other_forms_are_left_to_the_full_command(warm, args):
    assert run(warm, args)[4]


def test_the_fast_path_loads_no_heavy_module(warm):
    """What it costs is what it imports: none of these, unless the interpreter's start-up already did."""
    heavy = ("click", "typing", "dataclasses", "sqlite3", "socket", "lambdactl.model", "lambdactl.plane")
    show = f"print(sorted(m for m in {heavy!r} if m in sys.modules), file=sys.stderr)"
    before = subprocess.run([sys.executable, "-c", f"import sys; {show}"], capture_output=True, text=True, check=True)
    code = f"import atexit, sys; atexit.register(lambda: {show}); from lambdactl.cli import main; main(sys.argv[1:])"
    after = subprocess.run([sys.executable, "-c", code, "invoke", "--function-name", "fn", "out.json"],
                           env=warm.environment(), cwd=warm.cwd, capture_output=True, text=True, timeout=60)  # fmt: skip
    assert after.returncode == 0, after.stderr
    assert after.stderr.splitlines()[-1] == before.stderr.strip()


def test_no_worker_no_fast_path(cli, make_zip):
    cli("create-function", "--function-name", "fn", "--runtime", "python3.12", "--handler", "app.handler",
        "--zip-file", f"fileb://{make_zip({'app.py': HANDLER})}", env={"LAMBDACTL_AUTO_WORKER": "0"})  # fmt: skip
    code, stdout, _, written, click_loaded = run(cli, ("invoke", "--function-name", "fn", "out.json"),
                                                 LAMBDACTL_AUTO_WORKER="0")  # fmt: skip
    assert code == 0 and click_loaded and json.loads(written)["version"] == "$LATEST"


def test_the_wire_names_it_uses_are_the_model_s():
    from lambdactl.cli.globals import BINARY_FORMATS

    assert fast_invoke.BINARY_FORMATS == BINARY_FORMATS
    bound = binding("Invoke", model.LAMBDA)
    assert fast_invoke.PATH.format("{FunctionName}") == bound.path and bound.query == {"Qualifier": ("Qualifier", "string")}
    assert {bound.headers[h][0]: h for h in fast_invoke.REQUEST_HEADERS.values()} == fast_invoke.REQUEST_HEADERS
    assert bound.out_status == "StatusCode" and bound.out_payload == ("Payload", "blob")
    assert fast_invoke.RESPONSE_HEADERS == bound.out_headers
    assert [m for m in bound.out_order if m in fast_invoke.RESPONSE_HEADERS] == list(fast_invoke.RESPONSE_HEADERS)
    assert bound.out_order.index("StatusCode") == 0


def test_the_fast_invoke_setting_does_not_change_which_worker_takes_invokes(monkeypatch):
    before = settings.fingerprint()
    monkeypatch.setenv("LAMBDACTL_FAST_INVOKE", "0")
    assert settings.fingerprint() == before
    monkeypatch.setenv("LAMBDACTL_WARM_INVOKE", "1")
    assert settings.fingerprint() != before
