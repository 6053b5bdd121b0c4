"""Every exit code the aws CLI v2 uses, with its exact wording, through the real entry point."""

from __future__ import annotations

import signal
import time

import pytest

USAGE = (
    "usage: lambdactl [options] <command> [parameters]\nTo see help text, you can run:\n\n"
    "  lambdactl help\n  lambdactl <command> help\n  lambdactl <command> <subcommand> help\n\n"
)
ZIP_FILE_ERROR = "--zip-file must be a zip file with the fileb:// prefix.\nExample usage:  --zip-file fileb://path/to/file.zip\n"
ARN = "arn:aws:lambda:us-east-1:123456789012:function:"


def create(name: str = "f", *extra: str) -> list[str]:
    return ["create-function", "--function-name", name, "--runtime", "python3.12", "--handler", "app.handler", *extra]


@pytest.fixture
def zip_arg(hello_zip) -> str:
    return f"fileb://{hello_zip}"


def test_success_is_0(cli, zip_arg):
    assert cli(*create("ok", "--zip-file", zip_arg)).rc == 0


# --- 252: usage and client-side parameter validation ---------------------------------------------

def test_missing_required_flag(cli, zip_arg):
    result = cli("create-function", "--runtime", "python3.12", "--handler", "a.b", "--zip-file", zip_arg, rc=252)
    assert result.stderr == USAGE + "lambdactl: error: the following arguments are required: --function-name\n"
    assert result.stdout == ""


def test_missing_code(cli):
    result = cli(*create("nocode"), rc=252)
    assert result.stderr == '\nParameter validation failed:\nMissing required parameter in input: "Code"\n'


def test_unknown_flag(cli, zip_arg):
    result = cli(*create("f", "--zip-file", zip_arg, "--bogus", "1"), rc=252)
    assert result.stderr.startswith(USAGE + "lambdactl: error: No such option '--bogus'")


def test_unknown_command(cli):
    result = cli("frobnicate-function", rc=252)
    assert result.stderr.startswith(USAGE + "lambdactl: error: ")
    assert "frobnicate-function" in result.stderr


@pytest.mark.parametrize("flag, value, message", [
    ("--timeout", "0", "Invalid value for parameter Timeout, value: 0, valid min value: 1"),
    ("--memory-size", "64", "Invalid value for parameter MemorySize, value: 64, valid min value: 128"),
    ("--ephemeral-storage", "Size=100", "Invalid value for parameter EphemeralStorage.Size, value: 100, valid min value: 512"),
])  # fmt: skip
def test_value_under_model_minimum(cli, zip_arg, flag, value, message):
    result = cli(*create("f", "--zip-file", zip_arg, flag, value), rc=252)
    assert result.stderr == f"\nParameter validation failed:\n{message}\n"


def test_not_an_integer(cli, zip_arg):
    result = cli(*create("f", "--zip-file", zip_arg, "--timeout", "ten"), rc=252)
    assert result.stderr == "Error parsing parameter '--timeout': invalid literal for int() with base 10: 'ten'\n"


def test_bad_shorthand(cli, zip_arg):
    result = cli(*create("f", "--zip-file", zip_arg, "--environment", "Variables={AA=1,BB"), rc=252)
    assert result.stderr.startswith("Error parsing parameter '--environment': Expected: '=', received: 'EOF' for input:")


def test_bad_base64_payload(cli, zip_arg):
    cli(*create("inv", "--zip-file", zip_arg))
    result = cli("invoke", "--function-name", "inv", "--payload", '{"a":1}', "out.json", rc=252)
    first, hint = result.stderr.splitlines()
    assert first == 'Invalid base64: "{"a":1}"'  # the aws CLI's own line, then how to pass raw text
    assert hint.startswith("Hint:") and "--cli-binary-format raw-in-base64-out" in hint


def test_missing_fileb_file(cli, tmp_path):
    missing = tmp_path / "nope.zip"
    result = cli(*create("f", "--zip-file", f"fileb://{missing}"), rc=252)
    assert result.stderr == (
        f"Error parsing parameter '--zip-file': Unable to load paramfile fileb://{missing}: "
        f"[Errno 2] No such file or directory: '{missing}'\n"
    )


def test_zip_file_without_fileb_prefix(cli, hello_zip):
    result = cli(*create("f", "--zip-file", str(hello_zip)), rc=252)
    assert result.stderr == ZIP_FILE_ERROR


def test_zip_file_not_a_zip(cli, tmp_path):
    text = tmp_path / "app.py"
    text.write_text("print(1)\n")
    result = cli(*create("f", "--zip-file", f"fileb://{text}"), rc=252)
    assert result.stderr == ZIP_FILE_ERROR


def test_bad_starting_token(cli):
    result = cli("list-functions", "--starting-token", "not-a-token", rc=252)
    assert "not-a-token" in result.stderr


# --- 254: service errors ------------------------------------------------------------------------

def service_error(code: str, operation: str, message: str) -> str:
    return f"\nAn error occurred ({code}) when calling the {operation} operation: {message}\n"


def test_function_not_found(cli):
    result = cli("get-function", "--function-name", "ghost", rc=254)
    assert result.stderr == service_error("ResourceNotFoundException", "GetFunction", f"Function not found: {ARN}ghost")
    assert result.stdout == ""


def test_function_already_exists(cli, zip_arg):
    cli(*create("dup", "--zip-file", zip_arg))
    result = cli(*create("dup", "--zip-file", zip_arg), rc=254)
    assert result.stderr == service_error("ResourceConflictException", "CreateFunction", "Function already exist: dup")


def test_timeout_over_900(cli, zip_arg):
    result = cli(*create("f", "--zip-file", zip_arg, "--timeout", "901"), rc=254)
    assert result.stderr == service_error(
        "ValidationException", "CreateFunction",
        "1 validation error detected: Value '901' at 'timeout' failed to satisfy constraint: "
        "Member must have value less than or equal to 900",
    )


def test_bad_runtime(cli, hello_zip):
    result = cli("create-function", "--function-name", "f", "--runtime", "cobol", "--handler", "a.b",
                 "--zip-file", f"fileb://{hello_zip}", rc=254)  # fmt: skip
    assert result.stderr.startswith(
        "\nAn error occurred (InvalidParameterValueException) when calling the CreateFunction operation: "
        "Value cobol at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: ["
    )
    assert result.stderr.endswith("] or be a valid ARN\n")


def test_retired_runtime(cli, hello_zip):
    result = cli("create-function", "--function-name", "f", "--runtime", "python3.7", "--handler", "a.b",
                 "--zip-file", f"fileb://{hello_zip}", rc=254)  # fmt: skip
    assert result.stderr == service_error(
        "InvalidParameterValueException", "CreateFunction",
        "The runtime parameter of python3.7 is no longer supported for creating or updating AWS Lambda functions. "
        "We recommend you use a supported runtime while creating or updating functions.",
    )


def test_bad_role(cli, zip_arg):
    result = cli(*create("f", "--zip-file", zip_arg, "--role", "r1"), rc=254)
    assert result.stderr == service_error(
        "ValidationException", "CreateFunction",
        "1 validation error detected: Value 'r1' at 'role' failed to satisfy constraint: Member must satisfy "
        r"regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+",
    )


def test_environment_over_4kb(cli, zip_arg):
    big = "x" * 4100
    result = cli(*create("f", "--zip-file", zip_arg, "--environment", f'{{"Variables": {{"BIG": "{big}"}}}}'), rc=254)
    assert result.stderr == service_error(
        "InvalidParameterValueException", "CreateFunction",
        "Lambda was unable to configure your environment variables because the environment variables you have "
        f'provided exceeded the 4KB limit. String measured: {{"BIG":"{big}"}}',
    )


def test_reserved_environment_key(cli, zip_arg):
    result = cli(*create("f", "--zip-file", zip_arg, "--environment", "Variables={AWS_REGION=x}"), rc=254)
    assert result.stderr == service_error(
        "InvalidParameterValueException", "CreateFunction",
        "Lambda was unable to configure your environment variables because the environment variables you have "
        "provided contains reserved keys that are currently not supported for modification. "
        "Reserved keys used in this request: AWS_REGION",
    )


def test_delete_latest_qualifier(cli, zip_arg):
    cli(*create("q", "--zip-file", zip_arg))
    result = cli("delete-function", "--function-name", "q", "--qualifier", "$LATEST", rc=254)
    assert result.stderr == service_error(
        "InvalidParameterValueException", "DeleteFunction",
        "$LATEST version cannot be deleted without deleting the function.",
    )


def test_debug_shows_a_traceback_only_when_asked(cli):
    plain = cli("get-function", "--function-name", "ghost", rc=254)
    assert "Traceback" not in plain.stderr
    debug = cli("get-function", "--function-name", "ghost", "--debug", rc=254)
    assert "Traceback (most recent call last)" in debug.stderr
    assert "Function not found" in debug.stderr


# --- 255 and 130 --------------------------------------------------------------------------------

def test_waiter_failure_is_255(cli):
    result = cli("wait", "function-active-v2", "--function-name", "ghost", rc=255, timeout=30)
    assert result.stderr.startswith("Waiter FunctionActiveV2 failed: ")


def test_unexpected_error_is_255_without_traceback(cli, tmp_path):
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("")
    result = cli("--state-dir", str(blocker / "state"), "list-functions", rc=255)
    assert "Traceback" not in result.stderr
    assert result.stderr.strip()


def test_sigint_is_130(cli, hello_zip):
    cli.create("other", hello_zip)  # the state directory exists, so the waiter's first poll answers at once
    proc = cli.popen("wait", "function-exists", "--function-name", "ghost")
    try:
        # the waiter polls once a second; let it get past start-up and into its loop
        time.sleep(1.0)
        assert proc.poll() is None, proc.communicate()
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130
    assert "Traceback" not in stderr
