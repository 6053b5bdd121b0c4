"""``lambdactl s3 cp|ls|mb|rb|rm|sync``: the aws CLI's high-level S3 commands (hand-written there too).

They speak only ``s3:<Operation>`` calls to the S3 plane (the embedded store, or the external
endpoint of ``LAMBDACTL_S3_ENDPOINT_URL``), print what the aws CLI prints (``upload: ./a to
s3://b/a``) and exit as it does: 0 done, 1 some transfer failed, 2 a source file was skipped,
252 bad arguments. Files from 8 MiB on go up as multipart uploads in 8 MiB parts, as the aws CLI
sends them (so notifications see ``ObjectCreated:CompleteMultipartUpload``).
"""

from __future__ import annotations

import fnmatch
import mimetypes
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import click

from lambdactl import errors
from lambdactl.cli.groups import SuggestingGroup
from lambdactl.cli.examples import epilog

MULTIPART_THRESHOLD = 8 * 1024 * 1024
PART_SIZE = 8 * 1024 * 1024
EXIT_FAILED, EXIT_SKIPPED = 1, 2


@click.group(name="s3", cls=SuggestingGroup, context_settings={"help_option_names": ["-h", "--help"]})
def s3() -> None:
    """Embedded S3 with the high-level commands of `aws s3`: cp, ls, mb, rb, rm, sync."""


def _plane() -> Any:
    from lambdactl.cli.connect import service_plane

    return service_plane(click.get_current_context().obj, "s3")


def split_s3_path(path: str) -> tuple[str, str]:
    """``s3://bucket/key`` -> (bucket, key)."""
    bucket, _, key = path[5:].partition("/")
    return bucket, key


def _is_s3(path: str) -> bool:
    return path.startswith("s3://")


def _check_s3(path: str) -> None:
    if not _is_s3(path):
        raise errors.UsageError(f"\n<S3Uri> {path} is not a valid S3 URI; it must start with s3://")


def _error_text(exc: errors.LambdactlError, op: str) -> str:
    return exc.cli_text(op).strip()


def _local_display(path: str) -> str:
    """The aws CLI's relative_path: './a.txt', 'dir/x'."""
    directory, name = os.path.split(path)
    try:
        return os.path.join(os.path.relpath(directory or ".", os.curdir), name)
    except ValueError:
        return os.path.abspath(path)


class Outcome:
    """What a transfer command prints and how it exits."""

    def __init__(self, quiet: bool, dryrun: bool) -> None:
        self.quiet = quiet
        self.dryrun = dryrun
        self.code = 0

    def done(self, verb: str, source: str, target: str | None = None) -> None:
        if not self.quiet:
            prefix = "(dryrun) " if self.dryrun else ""
            click.echo(f"{prefix}{verb}: {source}" + (f" to {target}" if target else ""))

    def failed(self, verb: str, source: str, target: str | None, exc: errors.LambdactlError, op: str) -> None:
        click.echo(f"{verb} failed: {source}" + (f" to {target}" if target else "") + f" {_error_text(exc, op)}",
                   err=True)  # fmt: skip
        self.code = max(self.code, EXIT_FAILED)

    def skipped(self, message: str) -> None:
        click.echo(f"warning: Skipping file {message}", err=True)
        self.code = self.code or EXIT_SKIPPED


# ---------------------------------------------------------------- mb / rb


@s3.command(epilog=epilog("lambdactl s3 mb s3://uploads"))
@click.argument("path", metavar="<S3Uri>")
def mb(path: str) -> None:
    """Create a bucket."""
    _check_s3(path)
    bucket, _ = split_s3_path(path)
    plane = _plane()
    params: dict[str, Any] = {"Bucket": bucket}
    region = plane.settings.region if hasattr(plane, "settings") else None
    if region and region != "us-east-1":
        params["CreateBucketConfiguration"] = {"LocationConstraint": region}
    try:
        plane.call("s3:CreateBucket", params)
    except errors.LambdactlError as exc:
        click.echo(f"make_bucket failed: {path} {_error_text(exc, 'CreateBucket')}", err=True)
        raise click.exceptions.Exit(EXIT_FAILED) from None
    click.echo(f"make_bucket: {bucket}")


@s3.command(epilog=epilog("lambdactl s3 rb s3://uploads --force"))
@click.argument("path", metavar="<S3Uri>")
@click.option("--force", is_flag=True, help="Delete every object in the bucket first.")
def rb(path: str, force: bool) -> None:
    """Remove a bucket (with --force, its objects first)."""
    _check_s3(path)
    bucket, key = split_s3_path(path)
    if key:
        raise errors.UsageError("Please specify a valid bucket name only. E.g. s3://my-bucket")
    plane = _plane()
    if force:
        outcome = Outcome(quiet=False, dryrun=False)
        _remove(plane, bucket, "", True, outcome, [])
        if outcome.code:
            raise click.exceptions.Exit(outcome.code)
    try:
        plane.call("s3:DeleteBucket", {"Bucket": bucket})
    except errors.LambdactlError as exc:
        click.echo(f"remove_bucket failed: {path} {_error_text(exc, 'DeleteBucket')}", err=True)
        raise click.exceptions.Exit(EXIT_FAILED) from None
    click.echo(f"remove_bucket: {bucket}")


# ---------------------------------------------------------------- ls


def objects(plane: Any, bucket: str, prefix: str, delimiter: str = "") -> Iterator[dict[str, Any]]:
    """Every object (and, with a delimiter, common prefix as {"Prefix": p}) under ``prefix``, page by page."""
    params: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix}
    if delimiter:
        params["Delimiter"] = delimiter
    while True:
        page = plane.call("s3:ListObjectsV2", params)
        yield from page.get("CommonPrefixes", [])
        yield from page.get("Contents", [])
        if not page.get("IsTruncated"):
            return
        params["ContinuationToken"] = page["NextContinuationToken"]


def _local_time(epoch: float) -> str:
    return datetime.fromtimestamp(epoch).strftime("%Y-%m-%d %H:%M:%S")


def _human(size: float) -> str:
    for unit in ("Bytes", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "Bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return str(size)


@s3.command(epilog=epilog("lambdactl s3 ls s3://uploads/reports/ --recursive"))
@click.argument("path", metavar="<S3Uri>", required=False)
@click.option("--recursive", is_flag=True, help="List every object under the prefix.")
@click.option("--summarize", is_flag=True, help="Print the number of objects and their total size.")
@click.option("--human-readable", is_flag=True, help="Sizes in Bytes/KiB/MiB/GiB.")
def ls(path: str | None, recursive: bool, summarize: bool, human_readable: bool) -> None:
    """List buckets, or the objects and prefixes under an S3 URI."""
    plane = _plane()
    if not path or path == "s3://":
        for bucket in plane.call("s3:ListBuckets", {}).get("Buckets", []):
            click.echo(f"{_local_time(bucket['CreationDate'])} {bucket['Name']}")
        return
    _check_s3(path)
    bucket, prefix = split_s3_path(path)
    directory = prefix[: prefix.rfind("/") + 1]
    count = total = shown = 0
    for item in objects(plane, bucket, prefix, "" if recursive else "/"):
        shown += 1
        if "Key" not in item:
            click.echo(f"{'PRE'.rjust(30)} {item['Prefix'][len(directory):]}")
            continue
        count += 1
        total += item["Size"]
        size = _human(item["Size"]) if human_readable else str(item["Size"])
        name = item["Key"] if recursive else item["Key"][len(directory):]
        click.echo(f"{_local_time(item['LastModified'])} {size.rjust(10)} {name}")
    if summarize:
        click.echo(f"\nTotal Objects: {count}\n   Total Size: {_human(total) if human_readable else total}")
    if not shown:
        raise click.exceptions.Exit(EXIT_FAILED)  # the aws CLI exits 1 on an empty listing


# ---------------------------------------------------------------- transfers


@dataclass
class Item:
    """One file or object of a transfer: where it is, its path relative to the transfer's root."""

    location: str  # local path, or the key
    relative: str
    size: int
    mtime: float


def _filters(exclude: tuple[str, ...], include: tuple[str, ...]) -> list[tuple[str, str]]:
    """--exclude patterns, then --include patterns (a later matching one wins, as in the aws CLI;
    the two lists' interleaving on the command line is not kept)."""
    return [("exclude", p) for p in exclude] + [("include", p) for p in include]


def _included(relative: str, filters: list[tuple[str, str]]) -> bool:
    keep = True
    for kind, pattern in filters:
        if fnmatch.fnmatchcase(relative, pattern):
            keep = kind == "include"
    return keep


def _local_items(root: str, outcome: Outcome) -> Iterator[Item]:
    for directory, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            path = os.path.join(directory, name)
            try:
                stat = os.stat(path)
            except OSError:
                outcome.skipped(f"{_local_display(path)}; File does not exist.")
                continue
            if not os.path.isfile(path):
                outcome.skipped(f"{_local_display(path)}; File is character special device, block special device, "
                                "FIFO, or socket.")  # fmt: skip
                continue
            if not os.access(path, os.R_OK):
                outcome.skipped(f"{_local_display(path)}; File/Directory is not readable.")
                continue
            yield Item(path, os.path.relpath(path, root).replace(os.sep, "/"), stat.st_size, stat.st_mtime)


def _s3_items(plane: Any, bucket: str, prefix: str) -> Iterator[Item]:
    directory = prefix if not prefix or prefix.endswith("/") else prefix + "/"
    for obj in objects(plane, bucket, directory):
        if obj["Key"].endswith("/") and obj["Size"] == 0:
            continue  # "folder" placeholders are not files
        yield Item(obj["Key"], obj["Key"][len(directory):], obj["Size"], obj["LastModified"])


def upload(plane: Any, path: str, bucket: str, key: str, content_type: str | None = None) -> None:
    """One file into ``bucket/key``: one PutObject below 8 MiB, else a multipart upload of 8 MiB parts."""
    size = os.path.getsize(path)
    extra = {"ContentType": content_type or mimetypes.guess_type(path)[0]}
    extra = {name: value for name, value in extra.items() if value}
    with open(path, "rb") as handle:
        if size < MULTIPART_THRESHOLD:
            plane.call("s3:PutObject", {"Bucket": bucket, "Key": key, "Body": handle, **extra})
            return
        upload_id = plane.call("s3:CreateMultipartUpload", {"Bucket": bucket, "Key": key, **extra})["UploadId"]
        try:
            parts = []
            number = 1
            while chunk := handle.read(PART_SIZE):
                result = plane.call("s3:UploadPart", {"Bucket": bucket, "Key": key, "UploadId": upload_id,
                                                      "PartNumber": number, "Body": chunk})  # fmt: skip
                parts.append({"ETag": result["ETag"], "PartNumber": number})
                number += 1
            plane.call("s3:CompleteMultipartUpload", {"Bucket": bucket, "Key": key, "UploadId": upload_id,
                                                      "MultipartUpload": {"Parts": parts}})  # fmt: skip
        except BaseException:
            try:
                plane.call("s3:AbortMultipartUpload", {"Bucket": bucket, "Key": key, "UploadId": upload_id})
            except errors.LambdactlError:
                pass
            raise


def download(plane: Any, bucket: str, key: str, path: str) -> None:
    """An object into ``path``: written to a temporary name and renamed, mtime = the object's LastModified."""
    import shutil
    import tempfile

    result = plane.call("s3:GetObject", {"Bucket": bucket, "Key": key})
    body = result["Body"]
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".lambdactl-")
    try:
        with os.fdopen(fd, "wb") as handle:
            shutil.copyfileobj(body, handle, 1 << 20)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    finally:
        body.close()
    modified = result.get("LastModified")
    if modified is not None:
        os.utime(path, (time.time(), float(modified)))


def _transfer(plane: Any, source: str, target: str, item: Item, outcome: Outcome, content_type: str | None,
              metadata_directive: str | None = None) -> None:  # fmt: skip
    """Copy one item from ``source`` (a file/object, or a location it is relative to) to ``target``."""
    if _is_s3(source) and _is_s3(target):
        verb, op = "copy", "CopyObject"
    elif _is_s3(target):
        verb, op = "upload", "PutObject"
    else:
        verb, op = "download", "GetObject"
    shown_source = f"s3://{split_s3_path(source)[0]}/{item.location}" if _is_s3(source) else _local_display(item.location)
    if _is_s3(target):
        bucket, key = split_s3_path(target)
        shown_target = f"s3://{bucket}/{key}"
    else:
        shown_target = _local_display(target)
    if outcome.dryrun:
        outcome.done(verb, shown_source, shown_target)
        return
    try:
        if verb == "upload":
            upload(plane, item.location, bucket, key, content_type)
        elif verb == "download":
            download(plane, split_s3_path(source)[0], item.location, target)
        else:
            from urllib.parse import quote

            params = {"Bucket": bucket, "Key": key, "CopySource": f"{split_s3_path(source)[0]}/{quote(item.location)}"}
            if content_type:
                params.update(ContentType=content_type, MetadataDirective="REPLACE")
            plane.call("s3:CopyObject", params)
    except errors.LambdactlError as exc:
        outcome.failed(verb, shown_source, shown_target, exc, op)
        return
    except OSError as exc:
        outcome.failed(verb, shown_source, shown_target, errors.LambdactlError(str(exc)), op)
        return
    outcome.done(verb, shown_source, shown_target)


def _single_source(plane: Any, source: str, outcome: Outcome) -> Item | None:
    if _is_s3(source):
        bucket, key = split_s3_path(source)
        try:
            head = plane.call("s3:HeadObject", {"Bucket": bucket, "Key": key})
        except errors.LambdactlError as exc:
            click.echo(f"fatal error: {_error_text(exc, 'HeadObject')}", err=True)
            raise click.exceptions.Exit(errors.EXIT_GENERAL) from None
        return Item(key, os.path.basename(key), head["ContentLength"], head["LastModified"])
    if not os.path.exists(source):
        raise errors.LambdactlError(f"The user-provided path {source} does not exist.")
    if os.path.isdir(source):
        return None
    return Item(source, os.path.basename(source), os.path.getsize(source), os.path.getmtime(source))


def _join(target: str, relative: str) -> str:
    if _is_s3(target):
        bucket, key = split_s3_path(target)
        base = key if not key or key.endswith("/") else key + "/"
        return f"s3://{bucket}/{base}{relative}"
    return os.path.join(target, *relative.split("/"))


def _items(plane: Any, source: str, outcome: Outcome) -> Iterator[Item]:
    if _is_s3(source):
        bucket, prefix = split_s3_path(source)
        return _s3_items(plane, bucket, prefix)
    if not os.path.isdir(source):
        raise errors.LambdactlError(f"The user-provided path {source} does not exist.")
    return _local_items(source, outcome)


def _check_pair(source: str, target: str) -> None:
    if not _is_s3(source) and not _is_s3(target):
        raise errors.UsageError(
            "Error: Invalid argument type\nusage: lambdactl s3 <command> <LocalPath|S3Uri> <LocalPath|S3Uri>"
        )


def _transfer_options(func: Any) -> Any:
    for option in reversed([
        click.option("--dryrun", is_flag=True, help="Show what would be done without doing it."),
        click.option("--quiet", is_flag=True, help="Print nothing for successful transfers."),
        click.option("--exclude", multiple=True, help="Leave out files or objects matching this pattern."),
        click.option("--include", multiple=True, help="Put back files or objects an --exclude left out."),
        click.option("--content-type", default=None, help="Content-Type of the uploaded objects."),
        click.option("--only-show-errors", is_flag=True, help="Print errors only."),
    ]):  # fmt: skip
        func = option(func)
    return func


@s3.command(epilog=epilog("lambdactl s3 cp report.csv s3://uploads/reports/report.csv"))
@click.argument("source", metavar="<LocalPath|S3Uri>")
@click.argument("target", metavar="<LocalPath|S3Uri>")
@click.option("--recursive", is_flag=True, help="Copy every file or object under the source.")
@_transfer_options
def cp(source: str, target: str, recursive: bool, dryrun: bool, quiet: bool, exclude: tuple[str, ...],
       include: tuple[str, ...], content_type: str | None, only_show_errors: bool) -> None:  # fmt: skip
    """Copy a local file or S3 object to another location locally or in S3."""
    _check_pair(source, target)
    plane = _plane()
    outcome = Outcome(quiet or only_show_errors, dryrun)
    filters = _filters(exclude, include)
    if recursive:
        for item in _items(plane, source, outcome):
            if _included(item.relative, filters):
                _transfer(plane, source, _join(target, item.relative), item, outcome, content_type)
    elif source == "-" or target == "-":
        try:
            _stream(plane, source, target, content_type)
        except errors.LambdactlError as exc:
            verb, op = ("download", "GetObject") if target == "-" else ("upload", "PutObject")
            outcome.failed(verb, source, target, exc, op)
    else:
        single = _single_source(plane, source, outcome)
        if single is None:
            raise errors.LambdactlError(f"upload failed: {source} to {target} [Errno 21] Is a directory: '{source}'")
        destination = target
        if (_is_s3(target) and (target.endswith("/") or not split_s3_path(target)[1])) or (
            not _is_s3(target) and (target.endswith(os.sep) or os.path.isdir(target))
        ):
            destination = _join(target, single.relative)
        _transfer(plane, source, destination, single, outcome, content_type)
    if outcome.code:
        raise click.exceptions.Exit(outcome.code)


def _stream(plane: Any, source: str, target: str, content_type: str | None) -> None:
    """``cp - s3://b/k`` uploads standard input; ``cp s3://b/k -`` writes the object to standard output."""
    import sys

    if target == "-":
        bucket, key = split_s3_path(source)
        body = plane.call("s3:GetObject", {"Bucket": bucket, "Key": key})["Body"]
        try:
            while chunk := body.read(1 << 20):
                sys.stdout.buffer.write(chunk)
        finally:
            body.close()
        sys.stdout.flush()
        return
    bucket, key = split_s3_path(target)
    params = {"Bucket": bucket, "Key": key, "Body": sys.stdin.buffer.read()}
    if content_type:
        params["ContentType"] = content_type
    plane.call("s3:PutObject", params)


def _remove(plane: Any, bucket: str, prefix: str, recursive: bool, outcome: Outcome,
            filters: list[tuple[str, str]]) -> None:  # fmt: skip
    if not recursive:
        keys = [prefix]
    else:
        keys = [obj["Key"] for obj in objects(plane, bucket, prefix)
                if _included(obj["Key"][len(prefix):].lstrip("/") if prefix else obj["Key"], filters)]  # fmt: skip
    for key in keys:
        shown = f"s3://{bucket}/{key}"
        if outcome.dryrun:
            outcome.done("delete", shown)
            continue
        try:
            plane.call("s3:DeleteObject", {"Bucket": bucket, "Key": key})
        except errors.LambdactlError as exc:
            outcome.failed("delete", shown, None, exc, "DeleteObject")
            continue
        outcome.done("delete", shown)


@s3.command(epilog=epilog("lambdactl s3 rm s3://uploads/reports/ --recursive"))
@click.argument("path", metavar="<S3Uri>")
@click.option("--recursive", is_flag=True, help="Delete every object under the prefix.")
@click.option("--dryrun", is_flag=True, help="Show what would be deleted without deleting it.")
@click.option("--quiet", is_flag=True, help="Print nothing for successful deletes.")
@click.option("--exclude", multiple=True, help="Leave out objects matching this pattern.")
@click.option("--include", multiple=True, help="Put back objects an --exclude left out.")
def rm(path: str, recursive: bool, dryrun: bool, quiet: bool, exclude: tuple[str, ...], include: tuple[str, ...]) -> None:
    """Delete an S3 object (or, with --recursive, every object under a prefix)."""
    _check_s3(path)
    bucket, key = split_s3_path(path)
    outcome = Outcome(quiet, dryrun)
    _remove(_plane(), bucket, key, recursive, outcome, _filters(exclude, include))
    if outcome.code:
        raise click.exceptions.Exit(outcome.code)


@s3.command(epilog=epilog("lambdactl s3 sync ./site s3://site-bucket --delete"))
@click.argument("source", metavar="<LocalPath|S3Uri>")
@click.argument("target", metavar="<LocalPath|S3Uri>")
@click.option("--delete", is_flag=True, help="Delete files or objects in the target that the source lacks.")
@click.option("--size-only", is_flag=True, help="Compare sizes only, not modification times.")
@click.option("--exact-timestamps", is_flag=True, help="Download objects whose time differs at all (S3 to local).")
@_transfer_options
def sync(source: str, target: str, delete: bool, size_only: bool, exact_timestamps: bool, dryrun: bool, quiet: bool,
         exclude: tuple[str, ...], include: tuple[str, ...], content_type: str | None, only_show_errors: bool) -> None:  # fmt: skip
    """Make the target hold what the source holds: copy new and changed files or objects."""
    _check_pair(source, target)
    plane = _plane()
    outcome = Outcome(quiet or only_show_errors, dryrun)
    filters = _filters(exclude, include)
    if not _is_s3(target):
        os.makedirs(target, exist_ok=True)
    existing = {item.relative: item for item in _items(plane, target, outcome) if _included(item.relative, filters)}
    seen = set()
    for item in _items(plane, source, outcome):
        if not _included(item.relative, filters):
            continue
        seen.add(item.relative)
        there = existing.get(item.relative)
        if there is not None and not _changed(item, there, size_only, exact_timestamps, downloading=not _is_s3(target)):
            continue
        _transfer(plane, source, _join(target, item.relative), item, outcome, content_type)
    if delete:
        for relative, item in sorted(existing.items()):
            if relative in seen:
                continue
            if _is_s3(target):
                _remove(plane, split_s3_path(target)[0], item.location, False, outcome, [])
            else:
                if not outcome.dryrun:
                    os.unlink(item.location)
                outcome.done("delete", _local_display(item.location))
    if outcome.code:
        raise click.exceptions.Exit(outcome.code)


def _changed(source: Item, target: Item, size_only: bool, exact: bool, downloading: bool) -> bool:
    """The aws CLI's sync rule: sizes differ, or (unless --size-only) the source is newer
    (downloads: with --exact-timestamps, any difference)."""
    if source.size != target.size:
        return True
    if size_only:
        return False
    if downloading and exact:
        return int(source.mtime) != int(target.mtime)
    return int(source.mtime) > int(target.mtime)
