"""Who is calling ``serve``: the user, or code running inside an execution environment.

The trust model (README, "Backends and the trust model"): the docker backend isolates a function
from the host; the subprocess backend does not (its code runs as the user who runs lambdactl). So
a function must not turn a call to ``serve`` into code on the host: a request from inside an
environment may not create a function, or change one's code or configuration, unless that
function runs on the docker backend (and stays there).

A request comes from inside an environment when
- its SigV4 credential scope names an environment's access key (``runtime/credentials.py``: every
  environment gets its own placeholder key, which the SDKs inside it sign with), or
- its TCP connection belongs to another local user than the one serving: a container runs as
  Lambda's ``sbx_user1051`` (993) and shares the host's network namespace, so its socket shows
  up in ``/proc/net/tcp`` under that uid. A function can drop its credentials, but not its uid; or
- it comes from ``netns.ENVIRONMENT_SOURCE`` (127.0.0.2): a container on the default ``isolated``
  network reaches ``serve`` only through lambdactl's forwarder, which connects from that address
  (a container can't choose it, and its socket is the serving user's, so the uid can't tell).
Other local users are refused the same way (they must not run code as the serving user either).
"""

from __future__ import annotations

import os
import re
import socket
import sys
from typing import Any

from lambdactl import errors
from lambdactl.backends.netns import ENVIRONMENT_SOURCE
from lambdactl.runtime.credentials import is_environment_key

GUARDED = frozenset({"CreateFunction", "UpdateFunctionCode", "UpdateFunctionConfiguration"})
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")


class Caller:
    """One connection's peer and one request's headers, examined only for guarded operations."""

    def __init__(self, headers: Any, target: str, peer: tuple, local: tuple) -> None:
        self.headers = headers
        self.target = target
        self.peer = peer
        self.local = local

    def access_key(self) -> str | None:
        found = _CREDENTIAL.search(self.headers.get("Authorization") or "")
        if found:
            return found.group(1)
        from urllib.parse import parse_qs

        query = parse_qs(self.target.partition("?")[2])
        return (query.get("X-Amz-Credential") or [""])[0].split("/")[0] or None

    def from_environment(self) -> bool:
        if is_environment_key(self.access_key()) or self.peer[0] == ENVIRONMENT_SOURCE:
            return True
        owner = socket_owner(self.peer, self.local)
        return owner is not None and owner != os.geteuid()


def check(plane: Any, op_name: str, params: dict[str, Any], caller: Caller | None) -> None:
    """Refuse an operation that would let code inside an environment run on a weaker backend."""
    if caller is None or op_name not in GUARDED or not caller.from_environment():
        return
    backend = resulting_backend(plane, op_name, params)
    if backend not in (None, "docker"):
        raise errors.AccessDeniedException(
            f"{op_name} from inside an execution environment is refused by lambdactl serve: "
            f"the function would run on the {backend} backend, which is not isolated from the host"
        )


def resulting_backend(plane: Any, op_name: str, params: dict[str, Any]) -> str | None:
    """The backend the function runs on after the operation (None: no such function, the operation says so)."""
    if op_name == "CreateFunction":
        return "docker" if params.get("PackageType") == "Image" else params.get("LambdactlBackend") or "subprocess"
    if op_name == "UpdateFunctionConfiguration" and params.get("LambdactlBackend"):
        return params["LambdactlBackend"]
    try:
        config = plane.call("GetFunctionConfiguration", {"FunctionName": params.get("FunctionName", "")})
    except errors.ServiceError:
        return None
    return config.get("LambdactlBackend", "subprocess")


def socket_owner(peer: tuple, local: tuple) -> int | None:
    """The uid owning the local TCP socket ``peer`` connected to ``local``; None if not a local socket."""
    try:
        family = socket.AF_INET6 if ":" in peer[0] else socket.AF_INET
        want = (_proc_address(family, peer[0], peer[1]), _proc_address(family, local[0], local[1]))
    except (OSError, ValueError):
        return None
    for table in ("/proc/net/tcp6", "/proc/net/tcp") if family == socket.AF_INET6 else ("/proc/net/tcp",):
        try:
            with open(table) as rows:
                next(rows)
                for row in rows:
                    fields = row.split()
                    if (fields[1], fields[2]) == want:
                        return int(fields[7])
        except OSError:
            continue
    return None


def _proc_address(family: int, host: str, port: int) -> str:
    """An address as /proc/net/tcp spells it: each 32-bit word of the address in host byte order."""
    packed = socket.inet_pton(family, host)
    words = "".join("%08X" % int.from_bytes(packed[i:i + 4], sys.byteorder) for i in range(0, len(packed), 4))
    return f"{words}:{port:04X}"
