"""Function code and layer content from the embedded S3, and Lambda's errors when it is not there."""

from __future__ import annotations

from pathlib import Path


def test_create_update_and_layer_from_s3(cli, make_zip) -> None:
    v1 = make_zip({"app.py": 'def handler(e, c):\n    return "v1"\n'})
    v2 = make_zip({"app.py": 'def handler(e, c):\n    return "v2"\n'})
    layer = make_zip({"python/shared.py": "VALUE = 'from layer'\n"})
    cli("s3", "mb", "s3://code-bkt")
    for path, key in ((v1, "v1.zip"), (v2, "v2.zip"), (layer, "layer.zip")):
        cli("s3", "cp", str(path), f"s3://code-bkt/{key}")
    created = cli("create-function", "--function-name", "from-s3", "--runtime", "python3.12", "--handler",
                  "app.handler", "--code", "S3Bucket=code-bkt,S3Key=v1.zip").json  # fmt: skip
    assert created["CodeSize"] == v1.stat().st_size
    cli("invoke", "--function-name", "from-s3", "out.json")
    assert (cli.cwd / "out.json").read_text() == '"v1"'
    cli("update-function-code", "--function-name", "from-s3", "--s3-bucket", "code-bkt", "--s3-key", "v2.zip")
    cli("invoke", "--function-name", "from-s3", "out.json")
    assert (cli.cwd / "out.json").read_text() == '"v2"'
    published = cli("publish-layer-version", "--layer-name", "shared", "--content",
                    "S3Bucket=code-bkt,S3Key=layer.zip").json  # fmt: skip
    assert published["Version"] == 1 and published["Content"]["CodeSize"] == layer.stat().st_size


def test_missing_bucket_or_key_gives_lambdas_error(cli, make_zip) -> None:
    cli("s3", "mb", "s3://code-err-bkt")
    base = ["create-function", "--function-name", "f", "--runtime", "python3.12", "--handler", "app.handler", "--code"]
    no_key = cli(*base, "S3Bucket=code-err-bkt,S3Key=nope.zip", rc=254)
    assert no_key.stderr.strip() == (
        "An error occurred (InvalidParameterValueException) when calling the CreateFunction operation: Error occurred "
        "while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist."
    )
    no_bucket = cli(*base, "S3Bucket=no-such-code-bkt,S3Key=nope.zip", rc=254)
    assert "S3 Error Code: NoSuchBucket. S3 Error Message: The specified bucket does not exist" in no_bucket.stderr
    (cli.cwd / "junk.zip").write_bytes(b"not a zip")
    cli("s3", "cp", "junk.zip", "s3://code-err-bkt/junk.zip")
    junk = cli(*base, "S3Bucket=code-err-bkt,S3Key=junk.zip", rc=254)
    assert "Could not unzip uploaded file" in junk.stderr
    layer = cli("publish-layer-version", "--layer-name", "l", "--content", "S3Bucket=code-err-bkt,S3Key=x.zip", rc=254)
    assert "S3 Error Code: NoSuchKey" in layer.stderr
    assert cli("list-functions").json["Functions"] == []


def test_a_package_over_50_mb_goes_through_s3(cli, tmp_path: Path) -> None:
    import os
    import zipfile

    big = tmp_path / "big.zip"
    with zipfile.ZipFile(big, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("app.py", 'def handler(e, c):\n    return "big"\n')
        archive.writestr("blob.bin", os.urandom(53 * 1024 * 1024))
    direct = cli("create-function", "--function-name", "big", "--runtime", "python3.12", "--handler", "app.handler",
                 "--zip-file", f"fileb://{big}", rc=254)  # fmt: skip
    assert "RequestEntityTooLargeException" in direct.stderr
    cli("s3", "mb", "s3://big-code-bkt")
    cli("s3", "cp", str(big), "s3://big-code-bkt/big.zip")
    cli("create-function", "--function-name", "big", "--runtime", "python3.12", "--handler", "app.handler",
        "--code", "S3Bucket=big-code-bkt,S3Key=big.zip")  # fmt: skip
