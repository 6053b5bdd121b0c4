"""One set of HTTP/1.1 request-reading rules, for ``serve`` (server/app.py) and the Runtime API
(runtime/api.py): header lines, Content-Length, chunked bodies and their limits.

Only complete requests are executed: a connection that ends before the blank line after the
headers, or before the body's last byte, raises ``Incomplete`` (a truncated ``DELETE`` is never
run). Framing that can't be read is ``Malformed`` (400): a Content-Length that isn't plain
digits (``-1``, ``+5``, ``1_0``), a chunk size that isn't 1-16 hex digits, a chunk not followed
by CRLF, a header line without a colon. A body over the caller's limit is ``TooLarge``, raised
before it is read (or, with ``drain``, once it has been read and dropped, so the connection
can answer and live on).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Protocol

MAX_LINE = 65536
MAX_HEADERS = 100
_CHUNK_SIZE = re.compile(rb"[0-9a-fA-F]{1,16}")
_DRAIN_BLOCK = 1 << 20


class Readable(Protocol):
    """What requests are read from: a buffered socket file, or the Runtime API's own reader."""

    def readline(self, limit: int = -1, /) -> bytes: ...

    def read(self, size: int, /) -> bytes: ...


class Incomplete(ConnectionError):
    """The peer closed the connection before the request was complete."""


class Malformed(ValueError):
    """Request framing that can't be read (answer 400 and close)."""


class TooLarge(Exception):
    """A body over the limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"request body over {limit} bytes")
        self.limit = limit


def read_line(rfile: Readable) -> bytes:
    """One line (with its ending); ``Incomplete`` at EOF, ``Malformed`` past MAX_LINE."""
    line = rfile.readline(MAX_LINE + 1)
    if not line.endswith(b"\n"):
        if len(line) > MAX_LINE:
            raise Malformed("line too long")
        raise Incomplete("connection closed mid-request")
    return line


def read_headers(rfile: Readable) -> list[tuple[str, str]]:
    """The header fields up to the blank line, as (name, value) in the order sent."""
    whole = _buffered_head(rfile)
    if whole is not None:
        return whole
    pairs: list[tuple[str, str]] = []
    while (line := read_line(rfile)) not in (b"\r\n", b"\n"):
        _add_field(pairs, line.decode("iso-8859-1"))
    return pairs


def _buffered_head(rfile: Readable) -> list[tuple[str, str]] | None:
    """The header fields at once when the reader's buffer holds all of them (as a request's head
    usually arrives: in one packet), by the same rules as line by line; None to read line by line."""
    peek = getattr(rfile, "peek", None)
    if peek is None:
        return None
    data = peek(1)  # what is buffered (read only if nothing is, as readline would)
    if data[:2] == b"\r\n":
        rfile.read(2)
        return []
    end = data.find(b"\r\n\r\n")
    if end < 0 or end > MAX_LINE:
        return None
    head = data[:end]
    if head.count(b"\n") != head.count(b"\r\n"):  # a bare LF ends a line too: line by line
        return None
    pairs: list[tuple[str, str]] = []
    for line in head.decode("iso-8859-1").split("\r\n"):
        _add_field(pairs, line)
    rfile.read(end + 4)
    return pairs


def _add_field(pairs: list[tuple[str, str]], line: str) -> None:
    """One header line's (name, value), or Malformed: no colon, no name, or past MAX_HEADERS."""
    name, colon, value = line.partition(":")
    name = name.strip()
    if not colon or not name or len(pairs) >= MAX_HEADERS:
        raise Malformed("bad header line")
    pairs.append((name, value.strip()))


def content_length(value: str | None) -> int:
    """A Content-Length value (absent: 0); only plain ASCII digits, as RFC 9110 says."""
    raw = (value or "0").strip()
    if not (raw.isascii() and raw.isdigit()):  # int() would take "-1", " 1_0" or "\u0661"
        raise Malformed(f"invalid Content-Length {raw!r}")
    return int(raw)


def is_chunked(transfer_encoding: str | None) -> bool:
    return "chunked" in (transfer_encoding or "").lower()


def read_body(rfile: Readable, chunked: bool, length: int, limit: int, drain: bool = False) -> bytes:
    """The body (``length`` bytes, or chunked); ``TooLarge`` past ``limit`` (after reading it when ``drain``)."""
    if chunked:
        return _read_chunked(rfile, limit, drain)
    if length > limit:
        if drain:
            _discard(rfile, length)
        raise TooLarge(limit)
    return read_exactly(rfile, length)


def chunk_sizes(rfile: Readable) -> Iterator[int]:
    """The size of each chunk of a chunked body, the reader left at its data, which the caller reads
    (``read_exactly``) or drops before asking for the next. After the last, the trailer fields follow
    (``read_headers``)."""
    while True:
        size_text = read_line(rfile).split(b";")[0].strip()
        if not _CHUNK_SIZE.fullmatch(size_text):
            raise Malformed("invalid chunk size in a chunked request body")
        size = int(size_text, 16)
        if not size:
            return
        yield size
        if read_line(rfile) not in (b"\r\n", b"\n"):
            raise Malformed("a chunk not followed by CRLF")


def _read_chunked(rfile: Readable, limit: int, drain: bool) -> bytes:
    chunks, total = [], 0
    for size in chunk_sizes(rfile):
        total += size
        if total > limit and not drain:
            raise TooLarge(limit)
        if total > limit:
            _discard(rfile, size)
        else:
            chunks.append(read_exactly(rfile, size))
    read_headers(rfile)  # trailers
    if total > limit:
        raise TooLarge(limit)
    return b"".join(chunks)


def read_exactly(rfile: Readable, size: int) -> bytes:
    data = rfile.read(size) if size else b""
    if len(data) < size:
        raise Incomplete("connection closed mid-body")
    return data


def _discard(rfile: Readable, size: int) -> None:
    while size > 0:
        got = len(rfile.read(min(size, _DRAIN_BLOCK)))
        if not got:
            raise Incomplete("connection closed mid-body")
        size -= got
