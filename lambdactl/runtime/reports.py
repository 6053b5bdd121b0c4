"""Lambda's platform log lines (START/END/REPORT, task timed out)."""

from __future__ import annotations

import math
import time


def iso_now() -> str:
    """``2024-01-01T12:00:00.123Z`` (UTC, milliseconds), as Lambda stamps log lines."""
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now * 1000) % 1000:03d}Z"


def start_line(request_id: str, version: str) -> str:
    return f"START RequestId: {request_id} Version: {version}\n"


def end_line(request_id: str) -> str:
    return f"END RequestId: {request_id}\n"


def report_line(
    request_id: str,
    duration_ms: float,
    memory_mb: int,
    max_memory_used_mb: int,
    init_duration_ms: float | None = None,
    status: str | None = None,
    error_type: str | None = None,
) -> str:
    """Tab-separated with a trailing tab; Init Duration only on cold starts, then Status."""
    fields = [
        f"REPORT RequestId: {request_id}",
        f"Duration: {duration_ms:.2f} ms",
        f"Billed Duration: {billed_ms(duration_ms)} ms",
        f"Memory Size: {memory_mb} MB",
        f"Max Memory Used: {max_memory_used_mb} MB",
    ]
    if init_duration_ms is not None:
        fields.append(f"Init Duration: {init_duration_ms:.2f} ms")
    if status is not None:
        fields.append(f"Status: {status}")
        if error_type is not None:
            fields.append(f"Error Type: {error_type}")
    return "\t".join(fields) + "\t\n"


def billed_ms(duration_ms: float) -> int:
    return max(1, math.ceil(round(duration_ms, 6)))


def timeout_line(request_id: str, timeout_s: int) -> str:
    return f"{iso_now()} {request_id} Task timed out after {timeout_s:.2f} seconds\n"
