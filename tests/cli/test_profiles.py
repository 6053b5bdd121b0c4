"""Named profiles as the aws CLI takes them: ``--profile``, else ``AWS_DEFAULT_PROFILE`` / ``AWS_PROFILE``,
naming a ``[profile NAME]`` (or ``[default]``) of ~/.aws/config (``AWS_CONFIG_FILE``) or a ``[NAME]`` of
~/.aws/credentials (``AWS_SHARED_CREDENTIALS_FILE``); one that neither file has is refused as botocore
refuses it (``ProfileNotFound``: ``The config profile (NAME) could not be found``, exit 255)."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("how", ["flag", "AWS_PROFILE", "AWS_DEFAULT_PROFILE"])
def test_a_profile_in_neither_file_is_refused(cli, state_dir, tmp_path, how):
    config, credentials = tmp_path / "config", tmp_path / "credentials"
    config.write_text("[default]\nregion = eu-west-1\n\n[profile work]\nregion = eu-west-2\n\n[nope]\nregion = x\n")
    credentials.write_text("[personal]\naws_access_key_id = AKIDEXAMPLE\n")
    cli.env.update(AWS_CONFIG_FILE=str(config), AWS_SHARED_CREDENTIALS_FILE=str(credentials))
    flag, env = (["--profile", "nope"], {}) if how == "flag" else ([], {how: "nope"})
    for command in (["list-functions"], ["get-function", "--function-name", "f"],
                    ["invoke", "--function-name", "f", str(tmp_path / "out.json")]):
        result = cli(*command, *flag, rc=255, env=env)
        assert result.stderr == "\nThe config profile (nope) could not be found\n"  # byte for byte the aws CLI's
        assert result.stdout == ""
    assert not state_dir.exists() and not (tmp_path / "out.json").exists()


def test_default_must_exist_when_named(cli):
    """As botocore: naming a profile, even ``default``, asks for it (an unnamed default may be missing)."""
    assert cli("list-functions", "--profile", "default", rc=255).stderr == (
        "\nThe config profile (default) could not be found\n")
    assert cli("list-functions").json == {"Functions": []}


def test_profiles_of_either_file_are_taken(cli, hello_zip, tmp_path):
    config, credentials = tmp_path / "config", tmp_path / "credentials"
    config.write_text('[profile work]\nregion = eu-west-2\n\n[profile "my team"]\nregion = ap-south-1\n')
    credentials.write_text("[personal]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = x\n")
    cli.env.update(AWS_CONFIG_FILE=str(config), AWS_SHARED_CREDENTIALS_FILE=str(credentials))
    made = cli.create("w", hello_zip, "--profile", "work").json  # the profile's region
    assert made["FunctionArn"] == "arn:aws:lambda:eu-west-2:123456789012:function:w"
    assert [f["FunctionName"] for f in cli("list-functions", env={"AWS_PROFILE": "work"}).json["Functions"]] == ["w"]
    assert cli("list-functions", "--profile", "my team").json == {"Functions": []}  # quoted name; ap-south-1
    assert cli("list-functions", "--profile", "personal").json == {"Functions": []}  # credentials only: us-east-1
    # the flag wins over the environment, as in the aws CLI
    assert cli("list-functions", "--profile", "work", env={"AWS_PROFILE": "nope"}).json["Functions"][0]["FunctionName"] == "w"


def test_help_needs_no_profile(cli):
    """As `aws help --profile nope`: only a command that works on a region reads the profile."""
    assert cli("help", "--profile", "nope").stdout
    assert cli("drain", "--help", env={"AWS_PROFILE": "nope"}).stdout.startswith("Usage: lambdactl drain")
