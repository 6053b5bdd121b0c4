"""Every way a person asks for help works, as in the aws CLI, and says something useful:
`lambdactl help CMD`, `lambdactl CMD help`, `--help`, "did you mean", enum values, required marks, examples."""

from __future__ import annotations

import pytest

HELP_FORMS = [
    ("help", "invoke"),
    ("invoke", "help"),
    ("invoke", "--help"),
]


@pytest.mark.parametrize("args", HELP_FORMS, ids=" ".join)
def test_command_help_forms(cli, args: tuple[str, ...]) -> None:
    out = cli(*args).stdout
    assert out.startswith("Usage: lambdactl invoke [OPTIONS] OUTFILE")
    assert "--function-name" in out


@pytest.mark.parametrize("args", [("help", "sqs", "send-message"), ("sqs", "send-message", "help"),
                                  ("sqs", "send-message", "--help")], ids=" ".join)  # fmt: skip
def test_service_command_help_forms(cli, args: tuple[str, ...]) -> None:
    out = cli(*args).stdout
    assert out.startswith("Usage: lambdactl sqs send-message [OPTIONS]")
    assert "[required] The URL of the Amazon SQS queue" in out


def test_help_is_not_taken_from_a_flag_value(cli) -> None:
    """`--function-name help` names a function; only a trailing bare `help` asks for help."""
    result = cli("get-function", "--function-name", "help", rc=254)
    assert "Function not found" in result.stderr


def test_enum_values_and_required_marks(cli) -> None:
    out = " ".join(cli("invoke", "help").stdout.split())  # unwrap Click's columns
    assert "Choose from the following options: Event, RequestResponse, DryRun." in out
    assert "--log-type <value> Set to Tail to include the execution log in the response. Possible values: None, Tail." in out
    assert "--function-name <value> [required]" in out
    assert "--qualifier <value> Specify" in out  # optional flags carry no mark


def test_examples_from_the_service_documentation_or_required_flags(cli) -> None:
    invoke = cli("help", "invoke").stdout
    assert "To invoke a Lambda function:\n  lambdactl invoke --function-name my-function --payload '{}'" in invoke
    assert invoke.rstrip().endswith("out.json")
    send = cli("help", "sqs", "send-message").stdout  # botocore documents no sqs example here
    assert "lambdactl sqs send-message --queue-url <value> --message-body <value>" in send


@pytest.mark.parametrize(("args", "suggestion"), [
    (("invok",), "Did you mean 'invoke'?"),
    (("help", "invok"), "Did you mean 'invoke'?"),
    (("sqs", "send-mesage"), "Did you mean 'send-message'"),
    (("list-function",), "Did you mean 'list-functions'"),
    (("invoke", "--function-nam", "f"), "Did you mean"),
])  # fmt: skip
def test_did_you_mean(cli, args: tuple[str, ...], suggestion: str) -> None:
    result = cli(*args, rc=252)
    assert suggestion in result.stderr
    assert "Traceback" not in result.stderr


def test_usage_errors_point_at_help_that_works(cli) -> None:
    stderr = cli("invoke", rc=252).stderr
    assert "lambdactl <command> help" in stderr
    for hint in ("help", "invoke help"):  # each suggested form runs
        assert cli(*hint.split()).stdout.startswith("Usage: lambdactl")


def test_help_does_not_import_heavy_modules(cli) -> None:
    code = (
        "import sys; from lambdactl.cli.main import main\n"
        "try:\n    main(['help', 'invoke'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('docker', 'rich', 'yaml', 'boto3', 'botocore', 'jmespath', 'http.client') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=cli.environment()).stdout
    assert "HEAVY []" in out
