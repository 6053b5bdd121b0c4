"""Packages that pass a zip check but could never be unpacked are refused at create, as Lambda refuses
an unusable package; symlinks that stay inside the package are kept as symlinks."""

from __future__ import annotations

import json
import stat
import zipfile
from pathlib import Path

import pytest

UNZIP = "Could not unzip uploaded file. Please check your file, then try to upload again"
HANDLER = "def handler(event, context):\n    return 'ok'\n"


def build(path: Path, entries: list[tuple[str, str, bool]]) -> Path:
    """(name, content, is_symlink) entries, in order."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, content, link in entries:
            info = zipfile.ZipInfo(name)
            info.external_attr = ((stat.S_IFLNK | 0o777) if link else (stat.S_IFREG | 0o644)) << 16
            archive.writestr(info, content)
    return path


BAD = {
    "file-and-dir": [("app.py", HANDLER, False), ("a", "x", False), ("a/b", "y", False)],
    "under-a-symlinked-dir": [("app.py", HANDLER, False), ("real/x", "x", False), ("link", "real", True),
                              ("link/y", "y", False)],
    "long-name": [("app.py", HANDLER, False), ("n" * 300, "x", False)],
    "deep": [("app.py", HANDLER, False), ("d/" * 2000 + "x", "x", False)],
    "symlink-out": [("app.py", HANDLER, False), ("escape", "../../../../etc/passwd", True)],
    "absolute-symlink": [("app.py", HANDLER, False), ("escape", "/etc/passwd", True)],
}


@pytest.mark.parametrize("case", list(BAD))
def test_unusable_packages_are_refused_at_create(cli, tmp_path, state_snapshot, state_dir, case):
    cli("list-functions")
    before = state_snapshot(state_dir)
    package = build(tmp_path / f"{case}.zip", BAD[case])
    result = cli("create-function", "--function-name", "bad", "--runtime", "python3.12", "--handler", "app.handler",
                 "--zip-file", f"fileb://{package}", rc=254)
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("An error occurred (InvalidParameterValueException) when calling the CreateFunction "
                           f"operation: {UNZIP}"), line
    assert state_snapshot(state_dir) == before


def test_symlinks_inside_the_package_stay_symlinks(cli, tmp_path):
    package = build(tmp_path / "links.zip", [
        ("lib/real.py", "def handler(event, context):\n    import os\n"
                        "    return [os.path.islink('app.py'), os.readlink('app.py'), os.path.islink('data')]\n", False),
        ("app.py", "lib/real.py", True), ("data", "lib", True)])
    cli("create-function", "--function-name", "links", "--runtime", "python3.12", "--handler", "app.handler",
        "--zip-file", f"fileb://{package}")
    cli("invoke", "--function-name", "links", "out.json")
    assert json.loads((cli.cwd / "out.json").read_text()) == [True, "lib/real.py", True]
