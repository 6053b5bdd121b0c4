"""The request head read at once from a buffer and line by line: the same fields, the same refusals."""

from __future__ import annotations

import io

import pytest

from lambdactl import http11


class Trickle(io.RawIOBase):
    """A peer that sends one byte per read: nothing is ever buffered whole."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        if not self.data:
            return 0
        b[0], self.data = self.data[0], self.data[1:]
        return 1


def both_ways(head: bytes):
    """(fields read at once from one buffer, fields read line by line), and what was left unread."""
    results = []
    for reader in (io.BufferedReader(io.BytesIO(head + b"BODY")), io.BufferedReader(Trickle(head + b"BODY"), 1)):
        try:
            results.append((http11.read_headers(reader), reader.read()))
        except http11.Malformed as exc:
            results.append(("Malformed", str(exc)))
    return results


@pytest.mark.parametrize("head", [
    b"Host: x\r\nContent-Length: 4\r\nX-Amz-Target:  a.b \r\n\r\n",
    b"\r\n",
    b"Host: x\nOther: bare LF line ends\r\n\r\n",
    b"Host: x\r\nno colon here\r\n\r\n",
    b": empty name\r\n\r\n",
    b"".join(b"H%d: v\r\n" % n for n in range(http11.MAX_HEADERS + 1)) + b"\r\n",
])
def test_a_head_reads_the_same_whole_or_in_pieces(head: bytes) -> None:
    whole, pieces = both_ways(head)
    assert whole == pieces


def test_the_buffered_head_is_taken_at_once() -> None:
    reader = io.BufferedReader(io.BytesIO(b"A: 1\r\nB: 2\r\n\r\nrest"))
    assert http11._buffered_head(reader) == [("A", "1"), ("B", "2")]
    assert reader.read() == b"rest"
