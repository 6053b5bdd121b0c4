"""What ``serve`` prints per request: one line (time, method and path, status, duration, and for an
invocation the function and whether it started cold), then that invocation's log lines.

Invocations are reported by the control plane (``Settings.observer``) in the context that runs them
(a context variable: a request that hands its invocation to another thread with ``contextvars`` keeps
it, as API Gateway's integration timeout does): a request's own are printed under its line; those with no request (async events, mappings,
schedules run by serve's worker) are printed as they finish. Coloured with rich in a terminal;
plain text when stderr is piped, under ``CI=true`` or ``NO_COLOR``.
"""

from __future__ import annotations

import contextvars
import sys
import threading
import time
from typing import Any, TextIO

from lambdactl.spec import InvocationResult

_STATUS_STYLE = {2: "green", 3: "cyan", 4: "yellow", 5: "bold red"}


class RequestLog:
    def __init__(self, stream: TextIO | None = None, colour: bool | None = None) -> None:
        from lambdactl.render.terminal import colour_wanted

        self._stream = stream or sys.stderr
        self._colour = colour_wanted(self._stream) if colour is None else colour
        self._console: Any = None
        if self._colour:
            from rich.console import Console

            self._console = Console(file=self._stream, highlight=False, soft_wrap=True)
        self._pending: contextvars.ContextVar[list[Any] | None] = contextvars.ContextVar("request_invocations", default=None)
        self._lock = threading.Lock()

    # ---------------------------------------------------------------- the control plane's side

    def invoked(self, config: dict[str, Any], result: InvocationResult) -> None:
        """``Settings.observer``: an invocation finished in this thread."""
        pending = self._pending.get()
        if pending is not None:
            pending.append((config, result))
            return
        self._write([(f"{_clock()} event {_who(config, result)}", "dim"), *_log_lines(config, result)])

    def note(self, text: str) -> None:
        """A line of serve's own (``--watch``'s deploys), timed as the request lines."""
        self._write([(f"{_clock()} {text}", "magenta")])

    # ---------------------------------------------------------------- the HTTP side

    def begin(self) -> None:
        self._pending.set([])

    def end(self, method: str, path: str, status: int, started: float) -> None:
        invocations = self._pending.get() or []
        self._pending.set(None)
        elapsed_ms = (time.perf_counter() - started) * 1000
        line = f"{_clock()} {method} {path.split('?')[0]} {status} {elapsed_ms:.1f} ms"
        if invocations:
            line += " " + ", ".join(_who(config, result) for config, result in invocations)
        lines = [(line, _STATUS_STYLE.get(status // 100, ""))]
        for config, result in invocations:
            lines += _log_lines(config, result)
        self._write(lines)

    def _write(self, lines: list[tuple[str, str]]) -> None:
        with self._lock:
            if self._console is None:
                self._stream.write("".join(text + "\n" for text, _ in lines))
                self._stream.flush()
                return
            from rich.text import Text

            for text, style in lines:
                self._console.print(Text(text, style=style))


def _clock() -> str:
    return time.strftime("%H:%M:%S")


def _who(config: dict[str, Any], result: InvocationResult) -> str:
    start = f"cold (init {result.init_duration_ms:.0f} ms)" if result.init_duration_ms is not None else "warm"
    failed = f" {result.function_error}" if result.function_error else ""
    return f"{config['FunctionName']}:{config['Version']} {start}{failed}"


def _log_lines(config: dict[str, Any], result: InvocationResult) -> list[tuple[str, str]]:
    name = config["FunctionName"]
    lines = []
    for text in result.log.splitlines():
        if not text.strip():
            continue
        style = "cyan" if text.startswith("REPORT ") else "red" if "ERROR" in text or "Traceback" in text else "dim"
        lines.append((f"  {name} | {text.rstrip()}", style))
    return lines
