"""A function's layers merged as Lambda extracts them into /opt: in order, later files overwriting earlier.

The merged tree is built once per ordered set of layer zips (named by a hash of their SHAs),
atomically (staging dir + rename) and read-only, and shared by every environment that uses
that set: the subprocess backend puts its subdirectories on the search paths, the docker
backend mounts it at /opt.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tempfile
import zipfile
from pathlib import Path

from lambdactl import errors
from lambdactl.state.blobs import CodeStore, safe_member


def merged_dir(code: CodeStore, shas: list[str], cache_root: Path) -> Path:
    """The merged, read-only tree of the layer zips ``shas`` (hex SHA-256s in the code store), in order."""
    key = hashlib.sha256("\n".join(shas).encode()).hexdigest()
    target = cache_root / key
    if target.is_dir():
        return target
    cache_root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=cache_root, prefix=".tmp-"))
    try:
        modes: dict[Path, int] = {}
        for sha in shas:
            with zipfile.ZipFile(code.zip_path(sha)) as archive:
                for info in archive.infolist():
                    if not safe_member(info.filename):
                        raise errors.InvalidZipFileException(f"Unsafe entry in layer: {info.filename}")
                    path = staging / info.filename
                    if not info.is_dir() and (path.is_file() or path.is_symlink()):
                        path.unlink()  # a later layer overrides an earlier file
                    archive.extract(info, staging)
                    if not info.is_dir():
                        modes[path] = (info.external_attr >> 16) & 0o777
        for path, mode in modes.items():
            os.chmod(path, (mode or 0o644) & 0o555 | stat.S_IRUSR)
        try:
            os.rename(staging, target)
        except OSError:  # another process built it first
            if not target.is_dir():
                raise
            shutil.rmtree(staging, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target
