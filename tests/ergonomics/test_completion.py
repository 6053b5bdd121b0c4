"""Shell completion: Click's protocol through the real entry point, and the checked-in scripts."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lambdactl.cli import completion

REPO = Path(__file__).resolve().parents[2]


def complete(cli, line: str, shell: str = "bash", **env: str) -> list[str]:
    """What ``lambdactl`` offers for the last word of ``line`` (bash_complete: ``type,value`` lines)."""
    words = line.split(" ")
    result = cli(env={"COMP_WORDS": line, "COMP_CWORD": str(len(words) - 1),
                      "_LAMBDACTL_COMPLETE": f"{shell}_complete", **env})  # fmt: skip
    return [row.split(",", 1)[1] for row in result.stdout.splitlines() if row.startswith("plain,")]


@pytest.fixture
def two_functions(cli, hello_zip) -> None:
    cli.create("alpha", hello_zip)
    cli.create("beta", hello_zip)


def test_commands_and_groups(cli) -> None:
    assert {"get-function", "get-function-configuration"} <= set(complete(cli, "lambdactl get-func"))
    assert "generate-event" in complete(cli, "lambdactl gen")
    assert complete(cli, "lambdactl generate-event s3 ") == ["delete", "put"]
    assert complete(cli, "lambdactl logs ") == [
        "describe-log-groups", "describe-log-streams", "filter-log-events", "get-log-events", "tail"]


def test_flags(cli) -> None:
    flags = complete(cli, "lambdactl create-function --")
    assert {"--function-name", "--runtime", "--zip-file", "--publish", "--no-publish", "--cli-input-json"} <= set(flags)
    assert {"--output", "--state-dir", "--region"} <= set(flags)  # globals, as anywhere on the line


def test_runtime_and_enum_values(cli) -> None:
    runtimes = complete(cli, "lambdactl create-function --runtime python3.1")
    assert "python3.12" in runtimes and all(r.startswith("python3.1") for r in runtimes)
    assert complete(cli, "lambdactl create-function --architectures ar") == ["arm64"]
    assert complete(cli, "lambdactl invoke --invocation-type Req") == ["RequestResponse"]
    assert "yaml" in complete(cli, "lambdactl --output ")


def test_function_names_from_the_state_dir(cli, two_functions) -> None:
    assert complete(cli, "lambdactl invoke --function-name ") == ["alpha", "beta"]
    assert complete(cli, "lambdactl get-function --function-name b") == ["beta"]
    assert complete(cli, "lambdactl --region eu-west-1 delete-function --function-name a") == ["alpha"]


def test_function_names_of_state_dir_on_the_line(cli, two_functions, tmp_path) -> None:
    empty = tmp_path / "other"
    assert complete(cli, f"lambdactl --state-dir {empty} invoke --function-name ") == []
    assert not empty.exists()  # completing never creates a state directory
    line = f"lambdactl invoke --state-dir {cli.state_dir} --function-name "
    assert complete(cli, line, LAMBDACTL_STATE_DIR=str(empty)) == ["alpha", "beta"]


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_other_shells_protocol(cli, two_functions, shell: str) -> None:
    env = {"COMP_WORDS": "lambdactl invoke --function-name ", "COMP_CWORD": "", "_LAMBDACTL_COMPLETE": f"{shell}_complete"}
    if shell == "zsh":
        env["COMP_CWORD"] = "3"
    out = cli(env=env).stdout
    assert "alpha" in out and "beta" in out


@pytest.mark.skipif(not shutil.which("bash"), reason="needs bash")
def test_bash_script_fills_compreply(cli, two_functions) -> None:
    """The checked-in bash script, sourced in a real bash, asks lambdactl and fills COMPREPLY."""
    script = Path(sys.executable).with_name("lambdactl")
    if not script.is_file():
        pytest.skip("needs the installed lambdactl script next to python")
    probe = (f'source {REPO / "completions" / "lambdactl.bash"}; COMP_WORDS=(lambdactl invoke --function-name ""); '
             'COMP_CWORD=3; _lambdactl_completion lambdactl; printf "%s\\n" "${COMPREPLY[@]}"')  # fmt: skip
    env = cli.environment()
    env["PATH"] = f"{script.parent}{os.pathsep}{env['PATH']}"
    out = subprocess.run(["bash", "-c", probe], check=False, env=env, capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["alpha", "beta"], out.stderr


def test_checked_in_scripts_are_up_to_date(tmp_path) -> None:
    written = completion.write(tmp_path)
    for path in written:
        checked_in = REPO / "completions" / path.name
        assert checked_in.read_text() == path.read_text(), (
            f"{checked_in} is stale: run python -m lambdactl.cli.completion --write completions/")
    assert {p.name for p in written} == {"lambdactl.bash", "_lambdactl", "lambdactl.fish"}
    for path in written:
        assert "# Install: " in path.read_text()
    assert (tmp_path / "_lambdactl").read_text().startswith("#compdef lambdactl\n")


@pytest.mark.parametrize(("shell", "name"), sorted(completion.FILES.items()))
def test_completion_command_prints_the_installed_script(cli, shell: str, name: str) -> None:
    """A pip user has no completions/ folder: `lambdactl completion SHELL` prints the same script."""
    printed = cli("completion", shell).stdout
    assert printed == (REPO / "completions" / name).read_text()
    assert "_LAMBDACTL_COMPLETE" in printed


def test_completion_command_refuses_an_unknown_shell(cli) -> None:
    assert "'powershell' is not one of 'bash', 'zsh', 'fish'" in cli("completion", "powershell", rc=252).stderr
