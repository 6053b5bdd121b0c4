"""Wrong exit codes and missing checks of issue 12 (item 10), each as the aws CLI would answer."""

from __future__ import annotations

from serving import start_server


def test_cli_read_timeout_zero_means_no_timeout_through_serve(cli, state_dir, tmp_path):
    server = start_server(state_dir, tmp_path / "serve.log")
    try:
        result = cli("--cli-read-timeout", "0", "list-functions", "--query", "Functions", "--output", "json")
        assert result.stdout.strip() == "[]"
    finally:
        assert server.stop() == 0


def test_a_state_dir_that_is_a_file_is_a_configuration_error(cli, tmp_path):
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    result = cli("--state-dir", str(not_a_dir), "list-functions", rc=253)
    assert result.stderr.strip().splitlines() == [
        f"The state directory {not_a_dir} is not a directory (--state-dir, LAMBDACTL_STATE_DIR)"]


def test_an_empty_or_uncreatable_state_dir_is_a_configuration_error(cli, tmp_path, hello_zip):
    xdg = tmp_path / "xdg"  # where the default state directory would be
    for command in (["list-functions"], ["invoke", "--function-name", "f", str(tmp_path / "out.json")]):
        result = cli("--state-dir", "", *command, rc=253, env={"LAMBDACTL_STATE_DIR": "", "XDG_STATE_HOME": str(xdg)})
        assert result.stderr.strip().splitlines() == [
            "The state directory must not be empty (--state-dir, LAMBDACTL_STATE_DIR)"]
    # a state directory that can't be made: reading it finds nothing (reads create nothing), writing is refused
    assert cli("--state-dir", "/proc/nope", "list-functions").json == {"Functions": []}
    for command in (["create-function", "--function-name", "f", "--runtime", "python3.12", "--handler", "app.handler",
                     "--zip-file", f"fileb://{hello_zip}"], ["sqs", "create-queue", "--queue-name", "q"]):
        result = cli("--state-dir", "/proc/nope", *command, rc=253)
        assert result.stderr.strip().splitlines() == [
            "The state directory /proc/nope cannot be used: No such file or directory (--state-dir, LAMBDACTL_STATE_DIR)"]
    assert not xdg.exists() and not (tmp_path / "out.json").exists()


def test_a_region_that_is_not_a_region_is_refused(cli, state_dir, make_zip):
    result = cli("--region", "us-east-1; rm", "create-function", "--function-name", "f", "--runtime", "python3.12",
                 "--handler", "app.handler", "--zip-file", f"fileb://{make_zip()}", rc=255)
    assert result.stderr.strip().splitlines() == [
        "Provided region_name 'us-east-1; rm' doesn't match a supported format."]
    assert cli("list-functions", "--query", "Functions[].FunctionArn", "--output", "text").stdout.strip() == ""


def test_get_shard_iterator_for_a_missing_shard(cli):
    cli("kinesis", "create-stream", "--stream-name", "s", "--shard-count", "1")
    result = cli("kinesis", "get-shard-iterator", "--stream-name", "s", "--shard-id", "shardId-000000000007",
                 "--shard-iterator-type", "TRIM_HORIZON", rc=254)
    assert "ResourceNotFoundException" in result.stderr and "shardId-000000000007" in result.stderr


def test_docker_set_image_wants_a_lambda_runtime(cli, state_dir):
    result = cli("docker", "set-image", "--runtime", "python9", "my/python:9", rc=252)
    assert "'python9' is not a Lambda runtime" in result.stderr
    assert not (state_dir / "docker.json").exists()


def test_an_outfile_that_cannot_be_written_is_the_os_error_alone_as_the_aws_cli_prints_it(cli, make_zip, tmp_path):
    cli("create-function", "--function-name", "e", "--runtime", "python3.12", "--handler", "app.handler",
        "--zip-file", f"fileb://{make_zip()}")
    missing = tmp_path / "no" / "dir" / "out.json"
    result = cli("invoke", "--function-name", "e", str(missing), rc=255)
    assert result.stderr.strip().splitlines() == [f"[Errno 2] No such file or directory: '{missing}'"]
    result = cli("invoke", "--function-name", "e", str(tmp_path), rc=255)
    assert result.stderr.strip().splitlines() == [f"[Errno 21] Is a directory: '{tmp_path}'"]
