"""Layers: publish/get/list/delete, permissions, and layer content seen by functions as under /opt."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from pathlib import Path

import pytest


from .conftest import LAYER_ARN, expect_error, payload, returning, zip_bytes

FIXTURES = Path(__file__).parents[1] / "fixtures" / "functions"
IMPORTER = zip_bytes({"app.py": "import shared\n\ndef handler(event, context):\n    return shared.VALUE\n"})


def publish(plane, name: str, files: dict[str, str | bytes], **params) -> dict:
    return plane.call("PublishLayerVersion", {"LayerName": name, "Content": {"ZipFile": zip_bytes(files)}, **params})


def test_publish_layer_version_response_shape(cli, make_zip):
    layer_zip = make_zip({"python/shared.py": "VALUE = 1\n"}, name="layer.zip")
    data = layer_zip.read_bytes()
    out = cli("publish-layer-version", "--layer-name", "lib", "--zip-file", f"fileb://{layer_zip}",
              "--compatible-runtimes", "python3.12", "python3.11", "--compatible-architectures", "x86_64",
              "--license-info", "MIT", "--description", "shared code").json
    assert list(out) == ["Content", "LayerArn", "LayerVersionArn", "Description", "CreatedDate", "Version",
                         "CompatibleRuntimes", "LicenseInfo", "CompatibleArchitectures"]
    assert out["Content"]["CodeSha256"] == base64.b64encode(hashlib.sha256(data).digest()).decode()
    assert out["Content"]["CodeSize"] == len(data)
    assert out["Content"]["Location"].startswith("file://")
    assert (out["LayerArn"], out["LayerVersionArn"], out["Version"]) == (f"{LAYER_ARN}:lib", f"{LAYER_ARN}:lib:1", 1)
    assert out["CreatedDate"].endswith("+0000")
    assert (out["CompatibleRuntimes"], out["LicenseInfo"], out["Description"]) == (["python3.12", "python3.11"], "MIT", "shared code")
    assert cli("get-layer-version", "--layer-name", "lib", "--version-number", "1").json == out
    assert cli("get-layer-version-by-arn", "--arn", f"{LAYER_ARN}:lib:1").json == out
    assert cli("get-layer-version", "--layer-name", f"{LAYER_ARN}:lib", "--version-number", "1").json == out


def test_list_and_delete_layer_versions(plane):
    publish(plane, "a", {"x.txt": "1"}, CompatibleRuntimes=["python3.12"])
    publish(plane, "a", {"x.txt": "2"}, CompatibleRuntimes=["nodejs20.x"])
    publish(plane, "b", {"x.txt": "3"})
    versions = plane.call("ListLayerVersions", {"LayerName": "a"})["LayerVersions"]
    assert [v["Version"] for v in versions] == [2, 1]
    assert list(versions[0]) == ["LayerVersionArn", "Version", "Description", "CreatedDate", "CompatibleRuntimes"]
    python_only = plane.call("ListLayerVersions", {"LayerName": "a", "CompatibleRuntime": "python3.12"})
    assert [v["Version"] for v in python_only["LayerVersions"]] == [1]
    page = plane.call("ListLayerVersions", {"LayerName": "a", "MaxItems": 1})
    rest = plane.call("ListLayerVersions", {"LayerName": "a", "Marker": page["NextMarker"]})
    assert [v["Version"] for v in page["LayerVersions"] + rest["LayerVersions"]] == [2, 1]
    layers = plane.call("ListLayers", {})["Layers"]
    assert [(l["LayerName"], l["LayerArn"], l["LatestMatchingVersion"]["Version"]) for l in layers] == [
        ("a", f"{LAYER_ARN}:a", 2), ("b", f"{LAYER_ARN}:b", 1)]  # fmt: skip
    matching = plane.call("ListLayers", {"CompatibleRuntime": "python3.12"})["Layers"]
    assert [(l["LayerName"], l["LatestMatchingVersion"]["Version"]) for l in matching] == [("a", 1)]
    plane.call("DeleteLayerVersion", {"LayerName": "a", "VersionNumber": 2})
    plane.call("DeleteLayerVersion", {"LayerName": "a", "VersionNumber": 2})  # idempotent
    assert publish(plane, "a", {"x.txt": "4"})["Version"] == 3  # numbers are never reused
    expect_error(lambda: plane.call("GetLayerVersion", {"LayerName": "a", "VersionNumber": 2}),
                 "ResourceNotFoundException", "The resource you requested does not exist.")
    assert plane.call("ListLayerVersions", {"LayerName": "nope"}) == {"LayerVersions": []}


def test_negative_layer_version_is_a_400(plane):
    # recorded AWS: test_layer_exceptions get_layer_version_exc_layer_version_doesnotexist_negative
    expect_error(lambda: plane.call("GetLayerVersion", {"LayerName": "somelayer", "VersionNumber": -1}),
                 "InvalidParameterValueException", "Layer Version Cannot be less than 1")


def test_two_versions_of_one_layer_are_refused(plane, make_function):
    # recorded AWS: test_layer_function_exceptions two_layer_versions_single_function_exc and
    # two_identical_layer_versions_single_function_exc
    for _ in range(2):
        plane.call("PublishLayerVersion", {"LayerName": "lib", "Content": {"ZipFile": zip_bytes({"x": "1"})}})
    for pair in ((1, 2), (1, 1)):
        arns = [f"{LAYER_ARN}:lib:{n}" for n in pair]
        expect_error(lambda: make_function("f", returning("x"), Layers=arns), "InvalidParameterValueException",
                     "Two different versions of the same layer are not allowed to be referenced in the same "
                     f"function. {arns[0]} and {arns[1]} are versions of the same layer.")


def test_layer_errors(plane, make_function):
    expect_error(lambda: plane.call("GetLayerVersionByArn", {"Arn": f"{LAYER_ARN}:lib"}), "ValidationException",
                 f"1 validation error detected: Value '{LAYER_ARN}:lib' at 'arn' failed to satisfy constraint: "
                 r"Member must satisfy regular expression pattern: arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\d{12}:"
                 "layer:[a-zA-Z0-9-_]+:[0-9]+")
    expect_error(lambda: make_function("f", returning("x"), Layers=[f"{LAYER_ARN}:nope:1"]),
                 "InvalidParameterValueException", f"Layer version {LAYER_ARN}:nope:1 does not exist.")
    arn = publish(plane, "lib", {"x.txt": "1"})["LayerVersionArn"]
    expect_error(lambda: make_function("f", returning("x"), Layers=[arn] * 6),
                 "InvalidParameterValueException", "Cannot reference more than 5 layers.")
    make_function("f", returning("x"))
    expect_error(lambda: plane.call("UpdateFunctionConfiguration", {"FunctionName": "f", "Layers": [f"{LAYER_ARN}:lib:2"]}),
                 "InvalidParameterValueException", f"Layer version {LAYER_ARN}:lib:2 does not exist.")


def test_missing_layer_and_too_many_layers_through_cli(cli, hello_zip):
    result = cli.create("f", hello_zip, "--layers", f"{LAYER_ARN}:nope:1", rc=254)
    assert result.stderr == (
        "\nAn error occurred (InvalidParameterValueException) when calling the CreateFunction operation: "
        f"Layer version {LAYER_ARN}:nope:1 does not exist.\n"
    )
    six = [f"{LAYER_ARN}:l{i}:1" for i in range(6)]
    result = cli.create("f", hello_zip, "--layers", *six, rc=254)
    assert "Cannot reference more than 5 layers." in result.stderr


def test_function_config_shows_layers_with_code_size(plane, make_function):
    first = publish(plane, "one", {"python/a.py": "A = 1\n"})
    second = publish(plane, "two", {"python/b.py": "B = 2\n" * 50})
    arns = [second["LayerVersionArn"], first["LayerVersionArn"]]
    created = make_function("f", returning("x"), Layers=arns)
    assert created["Layers"] == [{"Arn": arns[0], "CodeSize": second["Content"]["CodeSize"]},
                                 {"Arn": arns[1], "CodeSize": first["Content"]["CodeSize"]}]
    cleared = plane.call("UpdateFunctionConfiguration", {"FunctionName": "f", "Layers": []})
    assert "Layers" not in cleared


def test_python_layer_imports_from_python_and_site_packages(cli, make_zip):
    layer = make_zip({"python/shared.py": "VALUE = 'from /opt/python'\n",
                      "python/lib/python3.12/site-packages/sitepkg.py": "VALUE = 'from site-packages'\n"}, name="l.zip")
    arn = cli("publish-layer-version", "--layer-name", "py", "--zip-file", f"fileb://{layer}").json["LayerVersionArn"]
    code = make_zip({"app.py": "import shared, sitepkg\n\ndef handler(event, context):\n"
                               "    return [shared.VALUE, sitepkg.VALUE]\n"}, name="code.zip")
    cli.create("f", code, "--layers", arn)
    out = cli.cwd / "out.json"
    cli("invoke", "--function-name", "f", str(out))
    assert json.loads(out.read_text()) == ["from /opt/python", "from site-packages"]


def test_later_layer_overrides_earlier_file(plane, make_function):
    a = publish(plane, "a", {"python/shared.py": "VALUE = 'a'\n", "python/only_a.py": ""})["LayerVersionArn"]
    b = publish(plane, "b", {"python/shared.py": "VALUE = 'b'\n"})["LayerVersionArn"]
    make_function("ab", IMPORTER, Layers=[a, b])
    make_function("ba", IMPORTER, Layers=[b, a])
    assert payload(plane.call("Invoke", {"FunctionName": "ab"})) == "b"
    assert payload(plane.call("Invoke", {"FunctionName": "ba"})) == "a"


def test_layer_content_frozen_in_version_and_kept_after_layer_delete(plane, make_function):
    v1 = publish(plane, "lib", {"python/shared.py": "VALUE = 'layer v1'\n"})["LayerVersionArn"]
    v2 = publish(plane, "lib", {"python/shared.py": "VALUE = 'layer v2'\n"})["LayerVersionArn"]
    make_function("f", IMPORTER, Layers=[v1], Publish=True)
    plane.call("UpdateFunctionConfiguration", {"FunctionName": "f", "Layers": [v2]})
    plane.call("DeleteLayerVersion", {"LayerName": "lib", "VersionNumber": 1})
    assert payload(plane.call("Invoke", {"FunctionName": "f", "Qualifier": "1"})) == "layer v1"
    assert payload(plane.call("Invoke", {"FunctionName": "f"})) == "layer v2"


def test_merged_layer_dir_is_read_only_and_cached(plane, make_function):
    from lambdactl.control.layers import opt_dir
    from lambdactl.control.records import load_version

    arn = publish(plane, "lib", {"python/shared.py": "VALUE = 1\n"})["LayerVersionArn"]
    make_function("f", IMPORTER, Layers=[arn])
    make_function("g", IMPORTER, Layers=[arn])
    merged = opt_dir(plane, load_version(plane, "f"))
    assert merged is not None and opt_dir(plane, load_version(plane, "g")) == merged
    assert merged.parent == plane.settings.state_dir / "cache" / "layers"
    assert not (merged / "python" / "shared.py").stat().st_mode & 0o222


def test_merged_tree_later_zips_win_and_modes_are_kept_read_only(tmp_path):
    import os

    from lambdactl.state.blobs import CodeStore

    store = CodeStore(tmp_path)
    first = store.put(zip_bytes({"bin/tool": "v1", "python/a.py": "A = 1\n", "python/old.py": ""},
                                modes={"bin/tool": 0o600}))
    second = store.put(zip_bytes({"bin/tool": "v2", "python/b.py": "B = 2\n"}, modes={"bin/tool": 0o755}))
    umask = os.umask(0o077)  # directories must not follow a strict umask: a container's user reads them
    try:
        merged = store.merged([first, second], tmp_path / "layers")
    finally:
        os.umask(umask)
    assert store.merged([first, second], tmp_path / "layers") == merged
    assert store.merged([second, first], tmp_path / "layers") != merged
    assert (merged / "bin" / "tool").read_text() == "v2"
    assert {p.name for p in (merged / "python").iterdir()} == {"a.py", "b.py", "old.py"}
    assert (merged / "bin" / "tool").stat().st_mode & 0o777 == 0o555  # the later zip's mode, minus writes
    assert (merged / "python" / "a.py").stat().st_mode & 0o777 == 0o444
    assert {path.stat().st_mode & 0o777 for path in (merged, merged / "bin", merged / "python")} == {0o755}
    assert not [p for p in (tmp_path / "layers").iterdir() if p.name.startswith(".tmp-")]  # no staging dir left
    unpacked = store.unpack(second)
    assert unpacked == tmp_path / "cache" / "code" / second and (unpacked / "bin" / "tool").read_text() == "v2"
    assert unpacked.stat().st_mode & 0o777 == 0o755 and (unpacked / "bin" / "tool").stat().st_mode & 0o777 == 0o555


def test_unsafe_zip_entry_is_refused_at_extraction(tmp_path):
    import io
    import zipfile

    from lambdactl import errors
    from lambdactl.state.blobs import CodeStore

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../escape.txt", "x")
    store = CodeStore(tmp_path)
    sha = store.put(buffer.getvalue())
    with pytest.raises(errors.ServiceError, match=r"Unsafe entry in package: \.\./escape\.txt"):
        store.merged([sha], tmp_path / "layers")
    assert not any((tmp_path / "layers").iterdir()) and not (tmp_path / "escape.txt").exists()


@pytest.mark.skipif(not shutil.which("node"), reason="needs node on PATH")
def test_node_layer_module_is_required(plane):
    arn = publish(plane, "nodelib", {"nodejs/node_modules/greet/index.js": "module.exports = (n) => `hi ${n}`;\n"})
    code = zip_bytes({"index.js": "const greet = require('greet');\n"
                                  "exports.handler = async (event) => greet(event.name);\n"})
    plane.call("CreateFunction", {"FunctionName": "n", "Runtime": "nodejs20.x", "Handler": "index.handler",
                                  "Code": {"ZipFile": code}, "Layers": [arn["LayerVersionArn"]]})
    assert payload(plane.call("Invoke", {"FunctionName": "n", "Payload": b'{"name": "layer"}'})) == "hi layer"


def test_provided_runtime_runs_bootstrap_from_layer(plane):
    bootstrap = (FIXTURES / "shell" / "bootstrap").read_bytes()
    arn = plane.call("PublishLayerVersion", {"LayerName": "rt", "Content": {
        "ZipFile": zip_bytes({"bootstrap": bootstrap}, modes={"bootstrap": 0o755})}})["LayerVersionArn"]
    plane.call("CreateFunction", {"FunctionName": "p", "Runtime": "provided.al2023", "Handler": "echo",
                                  "Code": {"ZipFile": zip_bytes({"README": "code without a bootstrap"})},
                                  "Layers": [arn]})
    assert payload(plane.call("Invoke", {"FunctionName": "p", "Payload": b'{"k": 1}'})) == {"k": 1}


def test_layer_version_permissions_round_trip(plane):
    publish(plane, "lib", {"x.txt": "1"})
    base = {"LayerName": "lib", "VersionNumber": 1}
    expect_error(lambda: plane.call("GetLayerVersionPolicy", base),
                 "ResourceNotFoundException", "No policy is associated with the given resource.")
    added = plane.call("AddLayerVersionPermission", {**base, "StatementId": "all", "Action": "lambda:GetLayerVersion",
                                                     "Principal": "*"})
    assert json.loads(added["Statement"]) == {"Sid": "all", "Effect": "Allow", "Principal": "*",
                                              "Action": "lambda:GetLayerVersion", "Resource": f"{LAYER_ARN}:lib:1"}
    org = plane.call("AddLayerVersionPermission", {
        **base, "StatementId": "org", "Action": "lambda:GetLayerVersion", "Principal": "210987654321",
        "OrganizationId": "o-abcdefghij", "RevisionId": added["RevisionId"]})  # fmt: skip
    assert json.loads(org["Statement"])["Principal"] == {"AWS": "arn:aws:iam::210987654321:root"}
    assert json.loads(org["Statement"])["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"}}
    policy = plane.call("GetLayerVersionPolicy", base)
    assert policy["RevisionId"] == org["RevisionId"]
    document = json.loads(policy["Policy"])
    assert (document["Version"], [s["Sid"] for s in document["Statement"]]) == ("2012-10-17", ["all", "org"])
    expect_error(lambda: plane.call("AddLayerVersionPermission", {**base, "StatementId": "all",
                                                                  "Action": "lambda:GetLayerVersion", "Principal": "*"}),
                 "ResourceConflictException", "The statement id (all) provided already exists. Please provide a new "
                 "statement id, or remove the existing statement.")
    expect_error(lambda: plane.call("AddLayerVersionPermission", {**base, "VersionNumber": 9, "StatementId": "x",
                                                                  "Action": "lambda:GetLayerVersion", "Principal": "*"}),
                 "ResourceNotFoundException", f"Layer version {LAYER_ARN}:lib:9 does not exist.")
    expect_error(lambda: plane.call("RemoveLayerVersionPermission", {**base, "StatementId": "nope"}),
                 "ResourceNotFoundException", "Statement nope is not found in resource policy.")
    plane.call("RemoveLayerVersionPermission", {**base, "StatementId": "all"})
    plane.call("RemoveLayerVersionPermission", {**base, "StatementId": "org"})
    expect_error(lambda: plane.call("GetLayerVersionPolicy", base),
                 "ResourceNotFoundException", "No policy is associated with the given resource.")
