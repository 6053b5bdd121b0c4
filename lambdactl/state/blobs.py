"""Content-addressed bytes: code zips stored by SHA-256, unpacked once per hash, read-only,
and the blobs of embedded S3 objects and upload parts (``BlobStore``).

Layers are merged the same way, once per ordered set of zips (later files win, as in /opt).

Writes go to a temporary name and are renamed into place, so a crash never leaves
a half-written zip, blob or half-unpacked tree under its final name.
"""

from __future__ import annotations

import base64
import contextlib
import os
import posixpath
import stat
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from lambdactl import errors
from lambdactl.state.store import private_state_dir

MAX_ZIPPED = 52_428_800
MAX_UNZIPPED = 262_144_000
UNZIP_ERROR = "Could not unzip uploaded file. Please check your file, then try to upload again."


def code_sha256(data: bytes) -> tuple[str, str]:
    """(hex for the store, base64 as Lambda shows it in CodeSha256)."""
    import hashlib  # ~6 ms to import: only commands that store code pay it

    digest = hashlib.sha256(data).digest()
    return digest.hex(), base64.b64encode(digest).decode()


def check_zip(data: bytes, *, direct: bool = True) -> int:
    """Validate a deployment package as Lambda does; returns its unzipped size. The 50 MB zipped
    limit is for ``direct`` uploads (ZipFile); a package read from S3 has only the unzipped one."""
    import io
    import zipfile
    import zlib

    if direct and len(data) > MAX_ZIPPED:
        raise errors.RequestEntityTooLargeException(f"Zipped size must be smaller than {MAX_ZIPPED} bytes")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if archive.testzip() is not None:
                raise errors.InvalidParameterValueException(UNZIP_ERROR)
            problem = layout_problem(archive, infos)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, ValueError, NotImplementedError, OSError):
        raise errors.InvalidParameterValueException(UNZIP_ERROR) from None
    for info in infos:
        if not safe_member(info.filename):
            raise errors.InvalidParameterValueException(
                f"{UNZIP_ERROR[:-1]}: entry '{info.filename}' points outside the package."
            )
    if problem is not None:
        raise errors.InvalidParameterValueException(f"{UNZIP_ERROR[:-1]}: {problem}.")
    total = sum(info.file_size for info in infos)
    if total > MAX_UNZIPPED:
        raise errors.InvalidParameterValueException(f"Unzipped size must be smaller than {MAX_UNZIPPED} bytes")
    return total


MAX_NAME_BYTES = 255  # a path component, as Linux allows
MAX_PATH_BYTES = 3072  # an entry's path (the unpacked tree lives a few hundred bytes below / itself)
MAX_DEPTH = 128  # directories deep


def is_symlink(info: Any) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16) and not info.is_dir()


def layout_problem(archive: Any, infos: list[Any]) -> str | None:
    """Why the entries can't be unpacked into one tree (None if they can): a name or path too long or
    deep, a file where another entry needs a directory, a symlink leading out of the package, or an
    entry below a symlink."""
    files: set[str] = set()
    dirs: set[str] = set()
    links: set[str] = set()
    for info in infos:
        name = info.filename.replace("\\", "/").strip("/")
        parts = [part for part in name.split("/") if part not in ("", ".")]
        if not parts:
            continue
        if any(len(part.encode()) > MAX_NAME_BYTES for part in parts) or len(name.encode()) > MAX_PATH_BYTES:
            return f"entry '{info.filename[:80]}...' has a name longer than the file system allows"
        if len(parts) > MAX_DEPTH:
            return f"entry '{info.filename[:80]}...' is more than {MAX_DEPTH} directories deep"
        path = "/".join(parts)
        (dirs if info.is_dir() else files).add(path)
        dirs.update("/".join(parts[:i]) for i in range(1, len(parts)))
        if is_symlink(info):
            target = archive.read(info).decode("utf-8", "replace")
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
            if target.startswith("/") or resolved == ".." or resolved.startswith("../"):
                return f"symlink '{info.filename}' points outside the package"
            links.add(path)
    if clash := sorted(files & dirs):
        return f"'{clash[0]}' is both a file and a directory"
    for path in dirs:
        parts = path.split("/")
        for i in range(1, len(parts) + 1):
            if "/".join(parts[:i]) in links:
                return f"entry under '{'/'.join(parts[:i])}', which is a symlink"
    return None


def safe_member(name: str) -> bool:
    path = PurePosixPath(name.replace("\\", "/"))
    return not path.is_absolute() and ".." not in path.parts and not (path.parts and ":" in path.parts[0])


def _atomic_write(target: Path, data: bytes) -> None:
    import tempfile

    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@dataclass(frozen=True)
class Blob:
    sha256: str  # hex: the blob's name in the store
    md5: str  # hex: S3's ETag of a single-part object
    size: int


class BlobStore:
    """Bytes stored once per SHA-256 under ``blobs/``, streamed in while hashing (never held whole).

    A blob appears under its name only once completely written (rename), so a killed process leaves
    at most a ``.tmp-`` file. Like the database (``synchronous = NORMAL``) it does not fsync each write:
    a power loss may lose the latest objects, never tear one.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root) / "blobs"

    def path(self, sha_hex: str) -> Path:
        return self.root / sha_hex[:2] / sha_hex

    def put(self, chunks: Iterable[bytes]) -> Blob:
        """Store the concatenated chunks; an existing copy is kept (and touched so a sweep spares it)."""
        import hashlib
        import tempfile

        self.root.mkdir(parents=True, exist_ok=True)
        sha, md5, size = hashlib.sha256(), hashlib.md5(), 0
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                for chunk in chunks:
                    handle.write(chunk)
                    sha.update(chunk)
                    md5.update(chunk)
                    size += len(chunk)
            blob = Blob(sha.hexdigest(), md5.hexdigest(), size)
            target = self.path(blob.sha256)
            if target.exists():
                os.utime(target)
                os.unlink(tmp)
            else:
                target.parent.mkdir(exist_ok=True)
                os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return blob

    def open(self, sha_hex: str) -> BinaryIO:
        return open(self.path(sha_hex), "rb")

    def touch(self, sha_hex: str) -> None:
        os.utime(self.path(sha_hex))

    def discard(self, sha_hex: str, min_age_s: float = 60.0) -> None:
        """Remove a blob nothing references any more, unless it was stored or touched within ``min_age_s``
        (a racing put of the same bytes may not have committed the row that references it yet)."""
        path = self.path(sha_hex)
        with contextlib.suppress(FileNotFoundError):
            if path.stat().st_mtime < time.time() - min_age_s:
                path.unlink()


class CodeStore:
    def __init__(self, root: Path) -> None:
        self.zips = Path(root) / "code"
        self.unpacked = Path(root) / "cache" / "code"

    def zip_path(self, sha_hex: str) -> Path:
        return self.zips / sha_hex[:2] / f"{sha_hex}.zip"

    def put(self, data: bytes) -> str:
        """Store a zip (idempotent); returns its hex SHA-256. Touches an existing copy so GC spares it."""
        sha_hex, _ = code_sha256(data)
        target = self.zip_path(sha_hex)
        private_state_dir(self.zips.parent)
        if target.exists():
            os.utime(target)
        else:
            _atomic_write(target, data)
        return sha_hex

    def read(self, sha_hex: str) -> bytes:
        return self.zip_path(sha_hex).read_bytes()

    def unpack(self, sha_hex: str) -> Path:
        """The unpacked, read-only tree of a stored zip (made once per hash)."""
        return _extract([self.zip_path(sha_hex)], self.unpacked / sha_hex)

    def merged(self, shas: list[str], cache_root: Path) -> Path:
        """Stored zips (layers) extracted in order into one read-only tree, later files overwriting
        earlier ones as Lambda fills /opt; made once per ordered set, under ``cache_root``."""
        import hashlib

        key = hashlib.sha256("\n".join(shas).encode()).hexdigest()
        return _extract([self.zip_path(sha) for sha in shas], Path(cache_root) / key)

    def collect_garbage(self, referenced: set[str], min_age_s: float = 600.0) -> None:
        """Remove zips and trees no version references, sparing recent ones (a racing create may be
        between storing its zip and committing the row that references it)."""
        if not self.zips.is_dir():
            return
        import shutil

        cutoff = time.time() - min_age_s
        for path in self.zips.glob("*/*.zip"):
            sha_hex = path.stem
            if sha_hex in referenced or path.stat().st_mtime > cutoff:
                continue
            path.unlink(missing_ok=True)
            shutil.rmtree(self.unpacked / sha_hex, ignore_errors=True)


def _extract(zips: list[Path], target: Path) -> Path:
    """``zips`` extracted in order into ``target`` (later files overwrite earlier ones), once.

    Built in a staging dir renamed into place, so ``target`` is never half-made; if another
    process renamed its copy first, that one is kept. The tree is read-only and readable by
    other users (a container's user is not us): directories 0755, files their zip mode (0644
    if it has none) without write bits, so executables stay executable.
    """
    if target.is_dir():  # the common case: nothing to import or do
        return target
    import shutil
    import tempfile
    import zipfile

    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=".tmp-"))
    try:
        modes: dict[Path, int] = {}
        for zip_path in zips:
            with zipfile.ZipFile(zip_path) as archive:
                for info in archive.infolist():
                    if not safe_member(info.filename):
                        raise errors.InvalidZipFileException(f"Unsafe entry in package: {info.filename}")
                    path = staging / info.filename
                    if not info.is_dir() and (path.is_file() or path.is_symlink()):
                        path.unlink()  # a later zip overrides an earlier file
                        modes.pop(path, None)
                    if is_symlink(info):  # kept a symlink, as Lambda does (check_zip saw it stays inside)
                        path.parent.mkdir(parents=True, exist_ok=True)
                        os.symlink(archive.read(info).decode(), path)
                        continue
                    archive.extract(info, staging)
                    if not info.is_dir():
                        modes[path] = (info.external_attr >> 16) & 0o777
        for path, mode in modes.items():
            os.chmod(path, (mode or 0o644) & 0o555 | stat.S_IRUSR)
        for root, _, _ in os.walk(staging):  # mkdtemp makes 0700, extract follows the umask
            os.chmod(root, 0o755)
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
