"""What a streaming invocation has sent and its client has not taken yet (InvokeWithResponseStream,
RESPONSE_STREAM function URLs), between the Runtime API's thread that reads the runtime's response and
the thread that writes it to the client.

Bounded: once ``BUFFER_BYTES`` wait, the Runtime API's thread waits too, so it stops reading the
runtime's connection and TCP holds the runtime back (a Node.js ``write`` returns false). A function
streaming faster than its client reads, or to a client that stalls, costs ``serve`` a few MB, not the
response. The reader leaving (``close``: the client went away) and the invocation ending (its result
put: done, failed or timed out) release the writer for good: what is sent after is dropped, as Lambda
runs a function on to its end when its client disconnects, its output going nowhere.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

BUFFER_BYTES = 1 << 20  # bytes waiting for the client, at most (plus one piece, at most STREAM_SLICE)


class StreamBuffer:
    def __init__(self, limit: int = BUFFER_BYTES) -> None:
        self._limit = limit
        self._cond = threading.Condition()
        self._items: deque[Any] = deque()
        self._bytes = 0  # of the bytes pieces in _items
        self._ended = False  # the invocation's last item (its result, or an exception) was put
        self._closed = False  # the reader left: nothing more is kept

    def put_bytes(self, data: bytes) -> None:
        """A piece of the response (the Runtime API's thread): waits while the buffer is full."""
        with self._cond:
            self._cond.wait_for(lambda: self._bytes < self._limit or self._ended or self._closed)
            if self._ended or self._closed:
                return
            self._items.append(data)
            self._bytes += len(data)
            self._cond.notify_all()

    def put(self, item: Any, last: bool = False) -> bool:
        """Anything else the reader is told (the stream's start; ``last``: the result or an exception),
        never waiting for room; False when the reader is gone."""
        with self._cond:
            if self._closed:
                return False
            self._ended = self._ended or last
            self._items.append(item)
            self._cond.notify_all()
            return True

    def get(self) -> Any:
        """The next item, waiting for one."""
        with self._cond:
            self._cond.wait_for(lambda: self._items)
            item = self._items.popleft()
            if isinstance(item, bytes):
                self._bytes -= len(item)
                self._cond.notify_all()
            return item

    def close(self) -> None:
        """The reader is gone: drop what waits and release the writer."""
        with self._cond:
            self._closed = True
            self._items.clear()
            self._bytes = 0
            self._cond.notify_all()
