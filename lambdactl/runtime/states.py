"""Execution environment states and the only moves between them.

Like RIE's ``core/states.go``: every move is checked, and an illegal one raises
instead of silently corrupting the environment.
"""

from __future__ import annotations

from enum import Enum


class State(str, Enum):
    NEW = "NEW"
    STARTING = "STARTING"  # runtime spawned, first /next not yet seen
    READY = "READY"  # runtime idle (or about to be) on /next
    INVOKING = "INVOKING"
    DEAD = "DEAD"  # the runtime is gone (crash, timeout, init failure); only stop() remains
    STOPPED = "STOPPED"


_ALLOWED: dict[State, frozenset[State]] = {
    State.NEW: frozenset({State.STARTING, State.STOPPED}),
    State.STARTING: frozenset({State.READY, State.DEAD, State.STOPPED}),
    State.READY: frozenset({State.INVOKING, State.DEAD, State.STOPPED}),
    State.INVOKING: frozenset({State.READY, State.DEAD, State.STOPPED}),
    State.DEAD: frozenset({State.INVOKING, State.STOPPED}),  # INVOKING: to report an init failure once
    State.STOPPED: frozenset(),
}


class InvalidStateTransition(RuntimeError):
    def __init__(self, current: State, target: State) -> None:
        super().__init__(f"illegal environment transition {current.value} -> {target.value}")
        self.current = current
        self.target = target


def check_transition(current: State, target: State) -> None:
    if target not in _ALLOWED[current]:
        raise InvalidStateTransition(current, target)
