"""Item 7: every bad input gets a clear error and leaves the state directory exactly as it was."""

from __future__ import annotations

import io
import shutil
import zipfile

import pytest

UNZIP = "Could not unzip uploaded file. Please check your file, then try to upload again."
ZIP_FILE_ERROR = "--zip-file must be a zip file with the fileb:// prefix."
NAME_PATTERN = (
    r"Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|"
    r"(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?"
)


def _zip_with(names: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            info = zipfile.ZipInfo(name)
            archive.writestr(info, "x = 1\n")
    return buffer.getvalue()


def _damaged_deflate() -> bytes:
    """A zip whose directory reads fine but whose compressed data is broken (the service finds it)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("app.py", "x" * 1000)
    data = bytearray(buffer.getvalue())
    data[data.find(b"app.py") + 9] ^= 0xFF
    return bytes(data)


def _crc_mismatch() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("app.py", "def handler(e, c):\n    return 1\n")
    data = bytearray(buffer.getvalue())
    data[data.find(b"def handler")] ^= 0x01
    return bytes(data)


def _truncated(good: bytes) -> bytes:
    return good[: len(good) // 2]


@pytest.fixture(scope="module")
def seeded_template(tmp_path_factory, zip_bytes):
    """A state directory with two functions (one tagged, one updated), built once in-process."""
    from lambdactl.plane import ControlPlane, Settings

    root = tmp_path_factory.mktemp("seeded") / "state"
    plane = ControlPlane(Settings(state_dir=root))
    base = {"Runtime": "python3.12", "Handler": "app.handler"}
    plane.call("CreateFunction", {"FunctionName": "keep", **base, "Code": {"ZipFile": zip_bytes}, "Tags": {"a": "1"}})
    other = io.BytesIO()
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("app.py", "def handler(e, c):\n    return 2\n")
    plane.call("CreateFunction", {"FunctionName": "other", **base, "Code": {"ZipFile": other.getvalue()}, "Timeout": 9})
    plane.call("UpdateFunctionConfiguration", {"FunctionName": "other", "MemorySize": 256})
    plane.close()
    return root


@pytest.fixture
def seeded(cli, seeded_template):
    """The CLI on a fresh copy of the seeded state directory."""
    shutil.copytree(seeded_template, cli.state_dir)
    return cli


def _write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return f"fileb://{path}"


CASES = {
    # name: (argv builder, exit code, expected text in stderr)
    "not-a-zip": (lambda t, g: ["--zip-file", _write(t, "x.zip", b"just text\n")], 252, ZIP_FILE_ERROR),
    "empty-file": (lambda t, g: ["--zip-file", _write(t, "x.zip", b"")], 252, ZIP_FILE_ERROR),
    "truncated-zip": (lambda t, g: ["--zip-file", _write(t, "x.zip", _truncated(g))], 252, ZIP_FILE_ERROR),
    "damaged-deflate": (lambda t, g: ["--zip-file", _write(t, "x.zip", _damaged_deflate())], 254, UNZIP),
    "crc-mismatch": (lambda t, g: ["--zip-file", _write(t, "x.zip", _crc_mismatch())], 254, UNZIP),
    "dotdot-entry": (lambda t, g: ["--zip-file", _write(t, "x.zip", _zip_with(["app.py", "../x"]))], 254, "../x"),
    "nested-dotdot": (lambda t, g: ["--zip-file", _write(t, "x.zip", _zip_with(["a/../../x"]))], 254, "a/../../x"),
    "absolute-entry": (lambda t, g: ["--zip-file", _write(t, "x.zip", _zip_with(["/abs"]))], 254, "'/abs'"),
    "missing-file": (lambda t, g: ["--zip-file", f"fileb://{t}/missing.zip"], 252,
                     "Unable to load paramfile fileb://"),
    "no-fileb-prefix": (lambda t, g: ["--zip-file", str(t / "whatever.zip")], 252, ZIP_FILE_ERROR),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_code_on_create_changes_nothing(seeded, state_snapshot, tmp_path, zip_bytes, case):
    build, rc, text = CASES[case]
    before = state_snapshot(seeded.state_dir)
    result = seeded("create-function", "--function-name", "newbie", "--runtime", "python3.12",
                    "--handler", "app.handler", *build(tmp_path, zip_bytes), rc=rc)  # fmt: skip
    assert text in result.stderr
    assert state_snapshot(seeded.state_dir) == before


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_code_on_update_changes_nothing(seeded, state_snapshot, tmp_path, zip_bytes, case):
    build, rc, text = CASES[case]
    before = state_snapshot(seeded.state_dir)
    result = seeded("update-function-code", "--function-name", "keep", *build(tmp_path, zip_bytes), rc=rc)
    assert text in result.stderr
    assert state_snapshot(seeded.state_dir) == before


NAMES = {
    "65-chars": ("f" * 65, "InvalidParameterValueException",
                 f"1 validation error detected: Value '{'f' * 65}' at 'functionName' failed to satisfy constraint: "
                 "Member must have length less than or equal to 64"),
    "slash": ("a/b", "ValidationException", f"Value 'a/b' at 'functionName' failed to satisfy constraint: {NAME_PATTERN}"),
    "dotdot": ("..", "ValidationException", "Value '..' at 'functionName'"),
    "dot": ("a.b", "ValidationException", "Value 'a.b' at 'functionName'"),
    "space": ("my fn", "ValidationException", "Value 'my fn' at 'functionName'"),
    "unicode": ("fünf", "ValidationException", "Value 'fünf' at 'functionName'"),
    "qualified": ("keep:1", "InvalidParameterValueException", ""),
    "existing": ("keep", "ResourceConflictException", "Function already exist: keep"),
}


@pytest.mark.parametrize("case", sorted(NAMES))
def test_bad_names_change_nothing(seeded, state_snapshot, make_zip, case):
    name, code, text = NAMES[case]
    zip_path = make_zip()
    before = state_snapshot(seeded.state_dir)
    result = seeded.create(name, zip_path, rc=254)
    assert result.stderr.startswith(f"\nAn error occurred ({code}) when calling the CreateFunction operation: ")
    assert text in result.stderr
    assert state_snapshot(seeded.state_dir) == before


def test_empty_name_is_a_client_error(seeded, state_snapshot, make_zip):
    before = state_snapshot(seeded.state_dir)
    result = seeded.create("", make_zip(), rc=252)
    assert "Invalid length for parameter FunctionName, value: 0, valid min length: 1" in result.stderr
    assert state_snapshot(seeded.state_dir) == before


VALUES = {
    "timeout-0": (["--timeout", "0"], 252, "valid min value: 1"),
    "timeout-901": (["--timeout", "901"], 254, "Member must have value less than or equal to 900"),
    "memory-64": (["--memory-size", "64"], 252, "valid min value: 128"),
    "memory-10241": (["--memory-size", "10241"], 254, "Member must have value less than or equal to 10240"),
    "storage-10241": (["--ephemeral-storage", "Size=10241"], 254, "Member must have value less than or equal to 10240"),
    "description-257": (["--description", "d" * 257], 254, "Member must have length less than or equal to 256"),
    "handler-space": (["--handler", "a b"], 254, "at 'handler'"),
    "runtime": (["--runtime", "python2.7"], 254, "python2.7 is no longer supported"),
    "role": (["--role", "not-a-role"], 254, "at 'role'"),
    "env-key": (["--environment", "Variables={1BAD=x}"], 254, "Map keys must satisfy constraint"),
    "env-reserved": (["--environment", "Variables={AWS_REGION=x}"], 254, "Reserved keys used in this request"),
    "env-4kb": (["--environment", '{"Variables": {"BIG": "' + "x" * 4100 + '"}}'], 254, "exceeded the 4KB limit"),
    "tracing": (["--tracing-config", "Mode=Sometimes"], 254, "at 'tracingConfig.mode'"),
    "backend": (["--backend", "vm"], 254, "at 'backend'"),
    "layers": (["--layers", *[f"arn:aws:lambda:us-east-1:123456789012:layer:l:{n}" for n in range(1, 7)]], 254,
               "Cannot reference more than 5 layers."),
}


@pytest.mark.parametrize("case", sorted(VALUES))
def test_out_of_range_on_create_changes_nothing(seeded, state_snapshot, make_zip, case):
    args, rc, text = VALUES[case]
    zip_path = make_zip()
    before = state_snapshot(seeded.state_dir)
    base = {"--runtime": "python3.12", "--handler": "app.handler"}
    base.pop(args[0], None)
    flat = [item for pair in base.items() for item in pair]
    result = seeded("create-function", "--function-name", "newbie", *flat, "--zip-file", f"fileb://{zip_path}",
                    *args, rc=rc)  # fmt: skip
    assert text in result.stderr
    assert state_snapshot(seeded.state_dir) == before


@pytest.mark.parametrize("case", sorted(set(VALUES) - {"layers"}))
def test_out_of_range_on_update_changes_nothing(seeded, state_snapshot, case):
    args, rc, text = VALUES[case]
    before = state_snapshot(seeded.state_dir)
    result = seeded("update-function-configuration", "--function-name", "other", *args, rc=rc)
    assert text in result.stderr
    assert state_snapshot(seeded.state_dir) == before


@pytest.mark.parametrize("argv, code", [
    (["update-function-configuration", "--function-name", "ghost", "--timeout", "5"], "ResourceNotFoundException"),
    (["update-function-code", "--function-name", "ghost", "--image-uri", "x"], "ResourceNotFoundException"),
    (["update-function-code", "--function-name", "keep", "--image-uri", "repo/img:1"],
     "InvalidParameterValueException"),
    (["delete-function", "--function-name", "ghost"], "ResourceNotFoundException"),
    (["delete-function", "--function-name", "keep", "--qualifier", "$LATEST"], "InvalidParameterValueException"),
    (["tag-resource", "--resource", "arn:aws:lambda:us-east-1:123456789012:function:ghost", "--tags", "a=1"],
     "ResourceNotFoundException"),
    (["untag-resource", "--resource", "not-an-arn", "--tag-keys", "a"], "ValidationException"),
])  # fmt: skip
def test_failed_changes_leave_state_alone(seeded, state_snapshot, argv, code):
    before = state_snapshot(seeded.state_dir)
    result = seeded(*argv, rc=254)
    assert f"An error occurred ({code})" in result.stderr
    assert state_snapshot(seeded.state_dir) == before


def test_create_into_a_fresh_state_dir_with_bad_zip_leaves_no_code(cli, tmp_path, state_snapshot):
    bad = tmp_path / "bad.zip"
    bad.write_bytes(_zip_with(["../escape"]))
    cli("create-function", "--function-name", "f", "--runtime", "python3.12", "--handler", "app.handler",
        "--zip-file", f"fileb://{bad}", rc=254)  # fmt: skip
    dump, files = state_snapshot(cli.state_dir)
    assert files == []
    assert not any("INSERT INTO \"functions\"" in line for line in dump)


def test_refused_code_updates_store_nothing(seeded, state_snapshot, make_zip):
    new_zip = make_zip({"app.py": "def handler(e, c):\n    return 3\n"})
    before = state_snapshot(seeded.state_dir)
    stale = seeded("update-function-code", "--function-name", "keep", "--zip-file", f"fileb://{new_zip}",
                   "--revision-id", "00000000-0000-4000-8000-000000000000", rc=254)  # fmt: skip
    assert "(PreconditionFailedException)" in stale.stderr
    dry = seeded("update-function-code", "--function-name", "keep", "--zip-file", f"fileb://{new_zip}",
                 "--dry-run").json  # fmt: skip
    assert dry["CodeSize"] == new_zip.stat().st_size
    tags = ",".join(f"k{n}=v" for n in range(51))
    too_many = seeded.create("tagged", new_zip, "--tags", tags, rc=254)
    assert "Number of tags exceeds resource tag limit." in too_many.stderr
    assert state_snapshot(seeded.state_dir) == before
