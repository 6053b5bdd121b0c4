"""The state directory holds secrets (environment variables): nobody but its owner may read it."""

from __future__ import annotations

import stat
from pathlib import Path

from serving import start_server


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_everything_is_created_private(cli, make_zip, tmp_path):
    xdg = tmp_path / "xdg" / "state"  # neither exists: lambdactl creates both
    env = {"XDG_STATE_HOME": str(xdg), "LAMBDACTL_STATE_DIR": ""}
    cli("create-function", "--function-name", "secret", "--runtime", "python3.12", "--handler", "app.handler",
        "--zip-file", f"fileb://{make_zip()}", "--environment", "Variables={TOKEN=hunter2}", "--state-dir", "",
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


def test_an_open_state_directory_is_tightened_with_a_notice(cli, state_dir):
    state_dir.mkdir(mode=0o755)
    state_dir.chmod(0o755)
    result = cli("list-functions")
    assert mode(state_dir) == 0o700
    assert result.stderr.strip().splitlines() == [
        f"lambdactl: made the state directory {state_dir} private (mode 755 -> 700): "
        "it holds functions' environment variables"]
    assert cli("list-functions").stderr == ""  # once
