"""The state directory holds secrets (environment variables): nobody but its owner may read it."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from serving import start_server


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_everything_is_created_private(cli, make_zip, tmp_path):
    xdg = tmp_path / "xdg" / "state"  # neither exists: lambdactl creates both
    env = {"XDG_STATE_HOME": str(xdg), "LAMBDACTL_STATE_DIR": ""}
    cli("create-function", "--function-name", "secret", "--runtime", "python3.12", "--handler", "app.handler",
        "--zip-file", f"fileb://{make_zip()}", "--environment", "Variables={TOKEN=hunter2}",
        env=env)
    state = xdg / "lambdactl"
    assert (mode(xdg), mode(state)) == (0o700, 0o700)
    assert mode(state / "lambdactl.db") == 0o600
    assert all(mode(zip_file) == 0o600 for zip_file in (state / "code").rglob("*.zip"))


def test_the_database_journal_files_are_private_while_served(cli, make_zip, state_dir, tmp_path):
    server = start_server(state_dir, tmp_path / "serve.log")
    try:
        cli("create-function", "--function-name", "secret", "--runtime", "python3.12", "--handler", "app.handler",
            "--zip-file", f"fileb://{make_zip()}", "--environment", "Variables={TOKEN=hunter2}")
        files = {p.name: mode(p) for p in state_dir.iterdir() if p.is_file()}
    finally:
        assert server.stop() == 0
    assert mode(state_dir) == 0o700
    for name in ("lambdactl.db", "lambdactl.db-wal", "lambdactl.db-shm", "serve.json"):
        assert files.get(name) == 0o600, (name, files)
    assert all(value & 0o077 == 0 for value in files.values()), files


def test_an_open_state_directory_is_tightened_with_a_notice(cli, state_dir, hello_zip):
    cli.create("f", hello_zip)
    state_dir.chmod(0o755)  # as a user's chmod -R, an archive unpacked with its modes
    result = cli("list-functions")
    assert mode(state_dir) == 0o700
    assert result.stderr.strip().splitlines() == [
        f"lambdactl: made the state directory {state_dir} private (mode 755 -> 700): "
        "it holds functions' environment variables"]
    assert cli("list-functions").stderr == ""  # once


LEAKY_HANDLER = '''
import os

def handler(event, context):
    print("token", os.environ["TOKEN"], "payload", event["secret"])
    return {"echo": event["secret"]}
'''


def test_secrets_never_land_in_a_file_others_can_read(cli, make_zip, state_dir, tmp_path):
    """Every file lambdactl writes during create, a sync invoke, an async one and its drain: those
    holding the function's environment variable or its payloads are 0600 under a 0700 state
    directory, and nothing holding them is left in the temp directory lambdactl was given."""
    temp = tmp_path / "tmp"
    temp.mkdir(mode=0o777)
    temp.chmod(0o1777)  # as /tmp
    env = {"TMPDIR": str(temp), "TEMP": str(temp), "TMP": str(temp)}
    secrets = [b"env-5ecret-e7a1", b"payload-5ecret-0c3d", b"async-5ecret-9b2f"]
    cli("create-function", "--function-name", "leaky", "--runtime", "python3.12", "--handler", "app.handler",
        "--zip-file", f"fileb://{make_zip({'app.py': LEAKY_HANDLER})}", "--environment", f"Variables={{TOKEN={secrets[0].decode()}}}",
        env=env)
    out = tmp_path / "out.json"
    cli("invoke", "--function-name", "leaky", "--cli-binary-format", "raw-in-base64-out",
        "--payload", json.dumps({"secret": secrets[1].decode()}), str(out), env=env)
    assert secrets[1] in out.read_bytes()
    cli("invoke", "--function-name", "leaky", "--invocation-type", "Event", "--cli-binary-format", "raw-in-base64-out",
        "--payload", json.dumps({"secret": secrets[2].decode()}), str(tmp_path / "async.json"), env=env)
    cli("drain", env=env)
    holders: dict[bytes, list[Path]] = {secret: [] for secret in secrets}
    for root in (state_dir, temp):
        for path in root.rglob("*"):
            if path.is_file() and not path.is_symlink():
                data = path.read_bytes()
                for secret in secrets:
                    if secret in data:
                        holders[secret].append(path)
    assert all(holders.values()), holders  # the walk sees where they are kept (the database): it can fail
    assert mode(state_dir) == 0o700
    exposed = {str(p): oct(mode(p)) for paths in holders.values() for p in paths if mode(p) & 0o077}
    assert not exposed, exposed
    assert not [p for paths in holders.values() for p in paths if temp in p.parents], holders
