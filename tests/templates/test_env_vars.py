"""``deploy --env-vars FILE``: SAM CLI's ``--env-vars`` semantics on the deployed functions' variables."""

from __future__ import annotations

import json
from pathlib import Path

TEMPLATE = """Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
    Handler: app.handler
    CodeUri: fn
    Environment:
      Variables:
        SHARED: global
Resources:
  First:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables:
          TABLE: first-table
          DEBUG: "no"
  Second:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: second-fn
  Bare:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "def handler(e, c): return 1"
"""


def _project(tmp_path: Path) -> None:
    (tmp_path / "fn").mkdir()
    (tmp_path / "fn/app.py").write_text("def handler(event, context):\n    return 1\n")
    (tmp_path / "template.yaml").write_text(TEMPLATE)


def variables(cli, name: str) -> dict[str, str]:
    config = cli("get-function-configuration", "--function-name", name).json
    return (config.get("Environment") or {}).get("Variables", {})


def test_env_vars_override_declared_variables_only_function_entries_winning(cli, tmp_path: Path) -> None:
    _project(tmp_path)
    (tmp_path / "env.json").write_text(json.dumps({
        "Parameters": {"SHARED": "from-parameters", "TABLE": "param-table", "NEW": "never"},
        "First": {"TABLE": "local-table", "DEBUG": True, "ALSO_NEW": "never"},
        "second-fn": {"SHARED": "by-function-name"},
    }))
    cli("deploy", "--stack-name", "app", "--env-vars", "env.json")
    assert variables(cli, "app-First") == {"SHARED": "from-parameters", "TABLE": "local-table", "DEBUG": "true"}
    assert variables(cli, "second-fn") == {"SHARED": "by-function-name"}
    assert variables(cli, "app-Bare") == {"SHARED": "from-parameters"}  # Globals' variables are declared for it too

    cli("deploy", "--stack-name", "app")  # without the file: the template's values again
    assert variables(cli, "app-First") == {"SHARED": "global", "TABLE": "first-table", "DEBUG": "no"}


def test_env_vars_changes_redeploy_only_what_they_change(cli, tmp_path: Path) -> None:
    _project(tmp_path)
    (tmp_path / "env.json").write_text(json.dumps({"First": {"TABLE": "t1"}}))
    cli("deploy", "--stack-name", "app", "--env-vars", "env.json")
    again = cli("deploy", "--stack-name", "app", "--env-vars", "env.json", "--output", "json")
    assert "No changes to deploy" in again.stderr
    (tmp_path / "env.json").write_text(json.dumps({"First": {"TABLE": "t2"}}))
    changed = cli("deploy", "--stack-name", "app", "--env-vars", "env.json", "--output", "json").json
    assert [(c["LogicalResourceId"], c["Action"]) for c in changed["Changes"] if c["Action"] != "Skip (not run locally)"] \
        == [("First", "Modify")]
    assert variables(cli, "app-First")["TABLE"] == "t2"


def test_bad_env_vars_files_are_usage_errors_with_nothing_deployed(cli, tmp_path: Path) -> None:
    _project(tmp_path)
    (tmp_path / "broken.json").write_text("{not json")
    (tmp_path / "flat.json").write_text(json.dumps({"TABLE": "x"}))
    cases = {
        "broken.json": "Could not read environment variables overrides from file broken.json: Expecting property name "
                       "enclosed in double quotes: line 1 column 2 (char 1)",
        "flat.json": 'Environment variables "x" in incorrect format',
        "missing.json": "Could not read environment variables overrides from file missing.json: No such file or directory",
    }
    for name, message in cases.items():
        result = cli("deploy", "--stack-name", "app", "--env-vars", name, rc=252)
        assert result.stderr.strip() == message
    assert "app-First" not in cli("list-functions", "--query", "Functions[].FunctionName", "--output", "text").stdout
