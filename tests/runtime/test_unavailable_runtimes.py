"""Runtimes this host can't run as themselves: created as Lambda would, with a one-line warning
that names what is missing and how to get it (never a silent fallback to another version)."""

from __future__ import annotations

import pytest

from lambdactl.runtime import jvm


def warnings(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("lambdactl: warning:")]


def test_ruby_and_dotnet_point_at_the_docker_backend(cli, hello_zip):
    for runtime, image in (("ruby3.3", "public.ecr.aws/lambda/ruby:3.3"), ("dotnet8", "public.ecr.aws/lambda/dotnet:8")):
        result = cli("create-function", "--function-name", runtime.replace(".", "-"), "--runtime", runtime,
                     "--handler", "app.handler", "--zip-file", f"fileb://{hello_zip}")
        assert result.json["Runtime"] == runtime
        assert warnings(result) == [
            f"lambdactl: warning: {runtime} can't run on the subprocess backend (it runs Python, Node.js, Java and "
            f"provided runtimes): create the function with --backend docker, which runs the official image {image}"]


def test_docker_backend_and_runnable_runtimes_get_no_warning(cli, hello_zip):
    ruby = cli("create-function", "--function-name", "r", "--runtime", "ruby3.3", "--handler", "app.handler",
               "--zip-file", f"fileb://{hello_zip}", "--backend", "docker")
    python = cli("create-function", "--function-name", "p", "--runtime", "python3.12", "--handler", "app.handler",
                 "--zip-file", f"fileb://{hello_zip}")
    assert warnings(ruby) == [] and warnings(python) == []


def test_update_to_an_unavailable_runtime_warns(cli, hello_zip):
    cli("create-function", "--function-name", "u", "--runtime", "python3.12", "--handler", "app.handler",
        "--zip-file", f"fileb://{hello_zip}")
    result = cli("update-function-configuration", "--function-name", "u", "--runtime", "ruby3.4")
    assert result.json["Runtime"] == "ruby3.4"
    assert "ruby3.4 can't run on the subprocess backend" in warnings(result)[0]


@pytest.mark.skipif(jvm.find("java11") is not None, reason="this host has a Java 11 JDK")
def test_java_version_the_host_lacks(cli, hello_zip):
    result = cli("create-function", "--function-name", "j", "--runtime", "java11", "--handler", "example.Hello",
                 "--zip-file", f"fileb://{hello_zip}")
    [line] = warnings(result)
    assert line.startswith("lambdactl: warning: java11 needs a Java 11 JDK and ")
    assert "set LAMBDACTL_JAVA_11 to its java, or run the function with --backend docker" in line


def test_missing_python_names_the_variable_and_the_fallback(cli, hello_zip):
    result = cli("create-function", "--function-name", "old", "--runtime", "python3.8", "--handler", "app.handler",
                 "--zip-file", f"fileb://{hello_zip}", env={"PATH": "/nonexistent", "LAMBDACTL_PYTHON3_8": ""})
    [line] = warnings(result)
    assert line.startswith("lambdactl: warning: python3.8 is not installed here: install Python 3.8 "
                           "(python3.8 on PATH, or set LAMBDACTL_PYTHON3_8), or run the function with --backend docker "
                           "(public.ecr.aws/lambda/python:3.8); until then it runs with ")
