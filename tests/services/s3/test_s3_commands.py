"""`lambdactl s3 cp|ls|mb|rb|rm|sync`: what the aws CLI's high-level commands print and how they exit."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_mb_rb_and_their_failures(cli) -> None:
    assert cli("s3", "mb", "s3://cmd-bkt").stdout == "make_bucket: cmd-bkt\n"
    bad = cli("s3", "mb", "s3://No_Good", rc=1)
    assert bad.stderr.startswith("make_bucket failed: s3://No_Good An error occurred (InvalidBucketName)")
    (cli.cwd / "f.txt").write_text("x")
    cli("s3", "cp", "f.txt", "s3://cmd-bkt/f.txt")
    full = cli("s3", "rb", "s3://cmd-bkt", rc=1)
    assert "remove_bucket failed: s3://cmd-bkt An error occurred (BucketNotEmpty)" in full.stderr
    forced = cli("s3", "rb", "s3://cmd-bkt", "--force")
    assert forced.stdout == "delete: s3://cmd-bkt/f.txt\nremove_bucket: cmd-bkt\n"
    cli("s3", "mb", "not-a-uri", rc=252)


def test_cp_up_and_down_byte_exact_with_multipart_for_big_files(cli) -> None:
    big = os.urandom(9 * 1024 * 1024 + 17)  # over the aws CLI's 8 MiB multipart threshold
    (cli.cwd / "big.bin").write_bytes(big)
    cli("s3", "mb", "s3://cp-bkt")
    up = cli("s3", "cp", "big.bin", "s3://cp-bkt/data/")
    assert up.stdout == "upload: ./big.bin to s3://cp-bkt/data/big.bin\n"
    etag = cli("s3api", "head-object", "--bucket", "cp-bkt", "--key", "data/big.bin").json["ETag"]
    parts = [big[:8 * 1024 * 1024], big[8 * 1024 * 1024:]]
    assert etag == '"%s-2"' % hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest()
    down = cli("s3", "cp", "s3://cp-bkt/data/big.bin", "copy.bin")
    assert down.stdout == "download: s3://cp-bkt/data/big.bin to ./copy.bin\n"
    assert (cli.cwd / "copy.bin").read_bytes() == big
    copy = cli("s3", "cp", "s3://cp-bkt/data/big.bin", "s3://cp-bkt/other.bin")
    assert copy.stdout == "copy: s3://cp-bkt/data/big.bin to s3://cp-bkt/other.bin\n"
    missing = cli("s3", "cp", "nope.txt", "s3://cp-bkt/", rc=255)
    assert "The user-provided path nope.txt does not exist." in missing.stderr
    cli("s3", "cp", "a", "b", rc=252)


def test_recursive_cp_ls_and_rm(cli) -> None:
    site = cli.cwd / "site"
    (site / "css").mkdir(parents=True)
    (site / "index.html").write_text("<h1>hi</h1>")
    (site / "css" / "a.css").write_text("body{}")
    (site / "notes.tmp").write_text("skip me")
    cli("s3", "mb", "s3://rec-cmd-bkt")
    up = cli("s3", "cp", "site", "s3://rec-cmd-bkt/www", "--recursive", "--exclude", "*.tmp")
    assert sorted(up.stdout.splitlines()) == [
        "upload: site/css/a.css to s3://rec-cmd-bkt/www/css/a.css",
        "upload: site/index.html to s3://rec-cmd-bkt/www/index.html",
    ]
    top = cli("s3", "ls", "s3://rec-cmd-bkt/www/").stdout.splitlines()
    assert top[0] == " " * 27 + "PRE css/"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {9}11 index\.html", top[1])
    summary = cli("s3", "ls", "s3://rec-cmd-bkt", "--recursive", "--summarize").stdout
    assert "www/css/a.css" in summary and "Total Objects: 2" in summary and "Total Size: 17" in summary
    assert cli("s3", "ls", "s3://rec-cmd-bkt/nothing", rc=1).stdout == ""
    assert "rec-cmd-bkt" in cli("s3", "ls").stdout
    gone = cli("s3", "rm", "s3://rec-cmd-bkt/www", "--recursive")
    assert sorted(gone.stdout.splitlines()) == ["delete: s3://rec-cmd-bkt/www/css/a.css",
                                                "delete: s3://rec-cmd-bkt/www/index.html"]  # fmt: skip
    assert cli("s3api", "list-objects-v2", "--bucket", "rec-cmd-bkt").json["KeyCount"] == 0


def test_sync_copies_new_and_changed_files_and_deletes_with_delete(cli) -> None:
    src = cli.cwd / "src"
    src.mkdir()
    (src / "a.txt").write_text("a")
    (src / "b.txt").write_text("b")
    cli("s3", "mb", "s3://sync-bkt")
    first = cli("s3", "sync", "src", "s3://sync-bkt/p")
    assert len(first.stdout.splitlines()) == 2
    assert cli("s3", "sync", "src", "s3://sync-bkt/p").stdout == ""  # nothing changed
    (src / "a.txt").write_text("a changed")
    (src / "b.txt").unlink()
    second = cli("s3", "sync", "src", "s3://sync-bkt/p", "--delete")
    assert second.stdout.splitlines() == ["upload: src/a.txt to s3://sync-bkt/p/a.txt", "delete: s3://sync-bkt/p/b.txt"]
    cli("s3", "sync", "s3://sync-bkt/p", "back")
    assert tree(cli.cwd / "back") == {"a.txt": b"a changed"}
    assert cli("s3", "sync", "s3://sync-bkt/p", "back").stdout == ""
    dry = cli("s3", "sync", "src", "s3://sync-bkt/q", "--dryrun")
    assert dry.stdout == "(dryrun) upload: src/a.txt to s3://sync-bkt/q/a.txt\n"
    assert "Contents" not in cli("s3api", "list-objects-v2", "--bucket", "sync-bkt", "--prefix", "q").json
