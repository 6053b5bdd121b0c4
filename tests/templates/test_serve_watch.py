"""``lambdactl serve --watch``: the template deployed at start, an edit to a handler, to the template or
to the ``--env-vars`` file answered by the next invocation after serve's update line."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import clean_env, lambdactl_command

sys.path.insert(0, str(Path(__file__).parents[1]))
from serving import LISTENING, wait_until  # noqa: E402

boto3 = pytest.importorskip("boto3")

HANDLER = '''import os
def handler(event, context):
    return "{version} " + os.environ["GREETING"] + " " + os.environ.get("UNDECLARED", "-")
'''
TEMPLATE = """Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fn
      Handler: app.handler
      Runtime: python3.12
      Environment:
        Variables:
          GREETING: {greeting}
"""


class Watched:
    def __init__(self, process: subprocess.Popen[bytes], log: Path) -> None:
        self.process = process
        self.log = log
        self.url = wait_until(self._listening, timeout=60, what="serve listening")
        self.client = boto3.client("lambda", endpoint_url=self.url, region_name="us-east-1",
                                   aws_access_key_id="test", aws_secret_access_key="test")

    def _listening(self) -> str | None:
        assert self.process.poll() is None, f"serve exited {self.process.returncode}: {self.log.read_text()}"
        found = LISTENING.search(self.log.read_text())
        return found.group(1) if found else None

    def invoke(self) -> str:
        return json.loads(self.client.invoke(FunctionName="app-Fn")["Payload"].read())

    def updates(self) -> list[str]:
        return re.findall(r"^\d\d:\d\d:\d\d watch: (.*)$", self.log.read_text(), re.M)

    def after_next_update(self, edit) -> str:
        """Make ``edit``, wait for serve's update line, then invoke once: never the old code."""
        seen = len(self.updates())
        edit()
        wait_until(lambda: len(self.updates()) > seen, timeout=30, what="serve's update line")
        return self.invoke()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "app"
    (root / "fn").mkdir(parents=True)
    (root / "fn/app.py").write_text(HANDLER.format(version="v1"))
    (root / "template.yaml").write_text(TEMPLATE.format(greeting="hello"))
    return root


@pytest.fixture
def serve(project: Path, state_dir: Path, tmp_path: Path) -> Iterator:
    started: list[Watched] = []

    def start(*args: str) -> Watched:
        log = tmp_path / "serve.log"
        with open(log, "wb") as err:
            process = subprocess.Popen([*lambdactl_command(), "serve", "--port", "0", "--watch", *args], cwd=project,
                                       env=clean_env(state_dir), stdout=subprocess.DEVNULL, stderr=err)
        started.append(Watched(process, log))
        return started[-1]

    yield start
    for watched in started:
        watched.process.terminate()
        assert watched.process.wait(30) == 0


@pytest.mark.slow
def test_serve_watch_deploys_at_start_and_answers_each_edit_with_the_new_code(serve, project: Path) -> None:
    watched = serve()
    assert watched.updates()[0].startswith("Successfully deployed stack app: 1 change(s): Fn (Add)")
    assert watched.invoke() == "v1 hello -"  # deployed before serve said where it listens
    assert watched.invoke() == "v1 hello -"  # now warm

    edited = watched.after_next_update(lambda: (project / "fn/app.py").write_text(HANDLER.format(version="v2")))
    assert edited == "v2 hello -"
    assert re.fullmatch(r"Successfully deployed stack app: 1 change\(s\): Fn \(Modify\); retired 1 warm environment "
                        r"\[\d+\.\d\d s\]", watched.updates()[-1])

    edited = watched.after_next_update(lambda: (project / "template.yaml").write_text(TEMPLATE.format(greeting="bonjour")))
    assert edited == "v2 bonjour -"


@pytest.mark.slow
def test_serve_watch_takes_env_vars_and_watches_their_file(serve, project: Path, tmp_path: Path) -> None:
    env_vars = tmp_path / "env.json"  # outside the project folder: watched by name
    env_vars.write_text(json.dumps({"Parameters": {"GREETING": "from-parameters"}, "Fn": {"UNDECLARED": "x"}}))
    watched = serve("--env-vars", str(env_vars))
    assert watched.invoke() == "v1 from-parameters -"  # only declared variables are overridden

    edited = watched.after_next_update(lambda: env_vars.write_text(json.dumps(
        {"Parameters": {"GREETING": "from-parameters"}, "Fn": {"GREETING": "from-function"}})))
    assert edited == "v1 from-function -"  # a function's own entry wins over Parameters


@pytest.mark.slow
def test_serve_watch_reports_a_broken_template_and_keeps_serving(serve, project: Path) -> None:
    watched = serve()
    edited = watched.after_next_update(lambda: (project / "template.yaml").write_text("Resources: [unclosed"))
    assert edited == "v1 hello -"
    assert watched.updates()[-1].startswith("Deploy failed, still watching: ")
    edited = watched.after_next_update(lambda: (project / "template.yaml").write_text(TEMPLATE.format(greeting="back")))
    assert edited == "v1 back -"


def test_serve_template_options_need_watch(cli) -> None:
    result = cli("serve", "--template", "template.yaml", rc=252)
    assert result.stderr.strip().splitlines()[-1] == "--template, --stack-name, --parameter-overrides and --env-vars need --watch"


@pytest.mark.slow
def test_ctrl_c_ends_serve_watch_and_deploy_watch_alike_with_exit_0(serve, project: Path, state_dir: Path, tmp_path: Path) -> None:
    """As sam sync --watch (it catches KeyboardInterrupt, says it stopped) and sam local start-api (werkzeug's
    serve_forever swallows it): both exit 0 on Ctrl-C."""
    watched = serve()
    watched.process.send_signal(signal.SIGINT)
    assert watched.process.wait(30) == 0
    log = tmp_path / "deploy-watch.log"
    with open(log, "wb") as err:
        deploying = subprocess.Popen([*lambdactl_command(), "deploy", "--watch"], cwd=project, env=clean_env(state_dir),
                                     stdout=subprocess.DEVNULL, stderr=err)
    try:
        wait_until(lambda: "No changes to deploy" in log.read_text(), timeout=60, what="the first deploy (serve made the stack)")
        deploying.send_signal(signal.SIGINT)
        assert deploying.wait(30) == 0, log.read_text()
    finally:
        if deploying.poll() is None:
            deploying.kill()
            deploying.wait()
    assert log.read_text().splitlines()[-1] == "Stopped watching" and "Traceback" not in log.read_text()
