"""`lambdactl build` of a Java function: javac only (no Maven, no repository), classes at the build's root,
jars in lib/; then deploy and invoke it."""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import pytest

from lambdactl.runtime import jvm

pytestmark = [pytest.mark.slow, pytest.mark.skipif(jvm.find("java17") is None or not jvm.find("java17").javac.exists(),
                                                   reason="needs a Java 17 JDK with javac")]

HELLO = """
package example;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import greeting.Greeting;
import java.util.Map;

public class Hello implements RequestHandler<Map<String, Object>, String> {
    @Override
    public String handleRequest(Map<String, Object> event, Context context) {
        return Greeting.greet(String.valueOf(event.get("name"))) + " from " + context.getFunctionName()
            + (Hello.class.getResource("/message.txt") != null ? " with resources" : " without resources");
    }
}
"""
GREETING = """
package greeting;

public class Greeting {
    public static String greet(String name) { return "Hello, " + name; }
}
"""
TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Resources:
  HelloFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: HelloFunction
      Handler: example.Hello::handleRequest
      Runtime: java17
      MemorySize: 512
      Timeout: 30
"""


def greeting_jar(tmp_path: Path, jar: Path) -> None:
    """A library jar, as a dependency would come: compiled apart, only its classes."""
    src = tmp_path / "greeting-src/greeting/Greeting.java"
    src.parent.mkdir(parents=True)
    src.write_text(GREETING)
    classes = tmp_path / "greeting-classes"
    subprocess.run([str(jvm.find("java17").javac), "-d", str(classes), str(src)], check=True)
    jar.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(jar, "w") as archive:
        archive.write(classes / "greeting/Greeting.class", "greeting/Greeting.class")


def test_java_function_builds_with_javac_deploys_and_answers(cli, tmp_path: Path) -> None:
    app = tmp_path / "HelloFunction"
    (app / "src/main/java/example").mkdir(parents=True)
    (app / "src/main/java/example/Hello.java").write_text(HELLO)
    (app / "src/main/resources").mkdir(parents=True)
    (app / "src/main/resources/message.txt").write_text("hi\n")
    (app / "pom.xml").write_text("<project/>\n")  # a Maven-like layout; Maven itself is not run
    greeting_jar(tmp_path, app / "lib/greeting-1.0.jar")
    (tmp_path / "template.yaml").write_text(TEMPLATE)

    assert "Building HelloFunction (java17, x86_64)" in cli("build", timeout=180).stderr
    built = tmp_path / ".aws-sam/build/HelloFunction"
    assert (built / "example/Hello.class").is_file() and (built / "lib/greeting-1.0.jar").is_file()
    assert (built / "message.txt").is_file()
    assert not list(built.rglob("*.java")) and not (built / "com").exists()  # no sources, no core interfaces
    assert "Skipping HelloFunction" in cli("build").stderr

    cli("deploy", "--stack-name", "java")
    cli("invoke", "--function-name", "java-HelloFunction", "--payload", '{"name": "Duke"}',
        "--cli-binary-format", "raw-in-base64-out", "out.json", timeout=120)
    assert (tmp_path / "out.json").read_text() == '"Hello, Duke from java-HelloFunction with resources"'


def test_java_compile_error_is_one_line_and_leaves_no_build(cli, tmp_path: Path) -> None:
    (tmp_path / "HelloFunction").mkdir()
    (tmp_path / "HelloFunction/Hello.java").write_text("public class Hello { oops }\n")
    (tmp_path / "template.yaml").write_text(TEMPLATE.replace("example.Hello", "Hello"))
    result = cli("build", rc=255, timeout=180)
    assert result.stderr.strip().splitlines()[-1].startswith("Build of HelloFunction failed: javac exited 1:")
    diagnostics = [line for line in result.stderr.splitlines() if ".java:" in line]
    assert len(diagnostics) >= 1 and all(re.fullmatch(r".*Hello\.java:1: error: .+", line) for line in diagnostics)
    assert "^" not in result.stderr and "oops }" not in result.stderr  # javac's source and caret lines left out
    assert not (tmp_path / ".aws-sam/build/HelloFunction").exists()


NEWER_JDKS = [jdk for jdk in (jvm.find(f"java{major}") for major in (21, 25)) if jdk is not None and jdk.javac.exists()]


@pytest.mark.skipif(not NEWER_JDKS, reason="needs a JDK newer than 17")
def test_java_classes_target_the_runtime_version_whatever_the_jdk(cli, tmp_path: Path) -> None:
    """A java17 function built by a newer javac (here the JDK LAMBDACTL_JAVA_17 names) loads on Java 17."""
    (tmp_path / "HelloFunction").mkdir()
    (tmp_path / "HelloFunction/Hello.java").write_text("public class Hello { public String handleRequest() { return \"hi\"; } }\n")
    (tmp_path / "template.yaml").write_text(TEMPLATE.replace("example.Hello", "Hello"))
    cli("build", env={"LAMBDACTL_JAVA_17": str(NEWER_JDKS[-1].home)}, timeout=180)
    header = (tmp_path / ".aws-sam/build/HelloFunction/Hello.class").read_bytes()[:8]
    assert int.from_bytes(header[6:8], "big") == 61  # class file version 61: Java 17
