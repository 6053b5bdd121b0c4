"""Provisioned concurrency: put-, get-, list- and delete-provisioned-concurrency-config.

A config belongs to a published version or an alias (never $LATEST). Under ``serve`` the
warm pool keeps that many initialized environments of the version (alias: its primary
version), started at server start and right after a put, never reaped: the put answers
IN_PROGRESS, later reads READY (or FAILED with the reason). Without a server nothing can
be warm, so a stored config reads IN_PROGRESS with 0 allocated until a server warms it.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lambdactl import errors
from lambdactl.control import aliases, paging
from lambdactl.control.concurrency import provisioned_total, reserved_concurrency
from lambdactl.plane import ControlPlane, operation
from lambdactl.control.records import (
    LATEST,
    function_exists,
    function_not_found,
    load_version,
    now_lambda,
    parse_target,
)
from lambdactl.model import validate

Key = tuple[str, str]  # (function name, qualifier)


@dataclass(frozen=True)
class Warmth:
    status: str  # IN_PROGRESS | READY | FAILED
    ready: int = 0
    reason: str | None = None


class Warmer:
    """What one warm pool has made of each config; warming runs off the request thread."""

    def __init__(self, pool: Any) -> None:
        self.pool = pool
        self.state: dict[Key, Warmth] = {}
        self._locks: dict[tuple[str, str], threading.Lock] = {}
        self._generation: dict[Key, int] = {}
        self._guard = threading.Lock()

    def warm(self, key: Key, spec: Any, count: int) -> None:
        """Bring ``spec``'s version to ``count`` provisioned environments (0: release them)."""
        with self._guard:
            generation = self._generation[key] = self._generation.get(key, 0) + 1
            lock = self._locks.setdefault((spec.function_name, spec.version), threading.Lock())
            if count:
                self.state[key] = Warmth("IN_PROGRESS")
            else:
                self.state.pop(key, None)

        def run() -> None:
            with lock:
                try:
                    outcome = Warmth("READY", self.pool.provision(spec, count))
                except Exception as exc:  # noqa: BLE001 - reported as the config's StatusReason
                    outcome = Warmth("FAILED", 0, f"{type(exc).__name__}: {exc}")
            with self._guard:
                if count and self._generation.get(key) == generation:
                    self.state[key] = outcome

        threading.Thread(target=run, name="lambdactl-provision", daemon=True).start()


_WARMERS: weakref.WeakKeyDictionary[Any, Warmer] = weakref.WeakKeyDictionary()
_WARMERS_LOCK = threading.Lock()


def warmer(plane: ControlPlane) -> Warmer | None:
    """The warmer of this plane's warm pool; None for the one-shot CLI (nothing stays warm)."""
    pool = plane.environments
    if not callable(getattr(pool, "provision", None)):
        return None
    with _WARMERS_LOCK:
        found = _WARMERS.get(pool)
        if found is None:
            found = _WARMERS[pool] = Warmer(pool)
        return found


def warm_all(make_plane: Callable[[], ControlPlane]) -> None:
    """At server start: warm every stored config (in the background)."""
    plane = make_plane()
    try:
        for row in plane.store.read("SELECT function_name, qualifier, requested FROM provisioned_concurrency"):
            try:
                _warm(plane, row["function_name"], row["qualifier"], row["requested"])
            except errors.ServiceError:  # its alias or version is gone: nothing to warm
                continue
    finally:
        plane.close()


def _warm(plane: ControlPlane, name: str, qualifier: str, count: int) -> None:
    found = warmer(plane)
    if found is None:
        return
    from lambdactl.control.invoke import environment_spec

    version = aliases.resolve(plane, name, qualifier)
    config = load_version(plane, name, version)
    if config is not None:
        found.warm((name, qualifier), environment_spec(plane, config), count)


def _target(plane: ControlPlane, params: dict[str, Any], latest_message: str) -> tuple[str, str]:
    """(function name, qualifier) of a call, the qualifier checked to be an existing version or alias."""
    ref, qualifier = parse_target(plane, params, namespaced=False)
    if qualifier is None or qualifier == LATEST:
        raise errors.InvalidParameterValueException(latest_message)
    if qualifier.isdigit():
        if load_version(plane, ref.name, qualifier) is None:
            raise function_not_found(plane, ref.name, qualifier)
    elif aliases.load_alias(plane, ref.name, qualifier) is None:
        # also for a missing function (recorded: get_provisioned_functionname_doesnotexist)
        raise errors.ResourceNotFoundException(f"Cannot find alias arn: {plane.settings.function_arn(ref.name, qualifier)}")
    return ref.name, qualifier


def _shown(plane: ControlPlane, name: str, qualifier: str, requested: int, last_modified: str) -> dict[str, Any]:
    found = warmer(plane)
    warmth = (found.state.get((name, qualifier)) if found else None) or Warmth("IN_PROGRESS")
    out: dict[str, Any] = {
        "RequestedProvisionedConcurrentExecutions": requested,
        "AvailableProvisionedConcurrentExecutions": min(warmth.ready, requested),
        "AllocatedProvisionedConcurrentExecutions": min(warmth.ready, requested),
        "Status": warmth.status,
    }
    if warmth.reason:
        out["StatusReason"] = warmth.reason
    out["LastModified"] = last_modified
    return out


def _check_conflicts(plane: ControlPlane, name: str, qualifier: str) -> None:
    """A version may be provisioned directly or through one alias, not both (as Lambda)."""
    others = {row["qualifier"] for row in plane.store.read(
        "SELECT qualifier FROM provisioned_concurrency WHERE function_name = ? AND qualifier != ?", (name, qualifier)
    )}  # fmt: skip
    version = aliases.resolve(plane, name, qualifier)
    if qualifier.isdigit():
        if any(not other.isdigit() and aliases.resolve(plane, name, other) == version for other in others):
            raise errors.ResourceConflictException("Version is pointed by a Provisioned Concurrency alias")
    elif version in others:
        raise errors.ResourceConflictException(
            "Alias can't be used for Provisioned Concurrency configuration on an already Provisioned version"
        )


@operation("PutProvisionedConcurrencyConfig")
def put_provisioned_concurrency_config(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    name, qualifier = _target(
        plane, params, "Provisioned Concurrency Configs cannot be applied to unpublished function versions."
    )
    requested = params["ProvisionedConcurrentExecutions"]
    validate.check_range(requested, "provisionedConcurrentExecutions", 1, 2**31 - 1)
    reserved = reserved_concurrency(plane, name)
    # the function's provisioned total stays within its reservation (recorded: test_reserved_provisioned_overlap
    # reserved_equals_provisioned_another_provisioned_exc / _increase_provisioned_exc)
    if reserved is not None and requested + provisioned_total(plane.store.conn, name, excluding=qualifier) > reserved:
        raise errors.InvalidParameterValueException(
            "Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function"
        )
    _check_conflicts(plane, name, qualifier)
    stamp = now_lambda()
    with plane.store.write() as conn:
        conn.execute(
            "INSERT OR REPLACE INTO provisioned_concurrency (function_name, qualifier, requested, last_modified)"
            " VALUES (?, ?, ?, ?)",
            (name, qualifier, requested, stamp),
        )
    _warm(plane, name, qualifier, requested)
    return {
        "RequestedProvisionedConcurrentExecutions": requested,
        "AvailableProvisionedConcurrentExecutions": 0,
        "AllocatedProvisionedConcurrentExecutions": 0,
        "Status": "IN_PROGRESS",
        "LastModified": stamp,
    }


@operation("GetProvisionedConcurrencyConfig")
def get_provisioned_concurrency_config(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    name, qualifier = _target(plane, params, "The function resource provided must be an alias or a published version.")
    row = plane.store.read_one(
        "SELECT requested, last_modified FROM provisioned_concurrency WHERE function_name = ? AND qualifier = ?",
        (name, qualifier),
    )
    if row is None:
        raise errors.ProvisionedConcurrencyConfigNotFoundException(
            "No Provisioned Concurrency Config found for this function"
        )
    return _shown(plane, name, qualifier, row["requested"], row["last_modified"])


@operation("ListProvisionedConcurrencyConfigs")
def list_provisioned_concurrency_configs(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    ref = validate.parse_function_name(params["FunctionName"], plane.settings, namespaced=False)
    if not function_exists(plane, ref.name):
        raise function_not_found(plane, ref.name)
    limit = paging.limit(params)
    rows = plane.store.read(
        "SELECT qualifier, requested, last_modified FROM provisioned_concurrency"
        " WHERE function_name = ? AND qualifier > ? ORDER BY qualifier LIMIT ?",
        (ref.name, params.get("Marker") or "", limit + 1),
    )
    rows, next_marker = paging.page(rows, limit, key=lambda row: row["qualifier"])
    items = [
        {"FunctionArn": plane.settings.function_arn(ref.name, row["qualifier"]),
         **_shown(plane, ref.name, row["qualifier"], row["requested"], row["last_modified"])}
        for row in rows
    ]  # fmt: skip
    return paging.listing("ProvisionedConcurrencyConfigs", items, next_marker)


@operation("DeleteProvisionedConcurrencyConfig")
def delete_provisioned_concurrency_config(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    """Idempotent, as Lambda: deleting a config that is not there succeeds."""
    name, qualifier = _target(plane, params, "The function resource provided must be an alias or a published version.")
    drop(plane, name, qualifier)
    return {}


def drop(plane: ControlPlane, name: str, qualifier: str) -> None:
    """Remove the config of ``name:qualifier`` (if any) and its warm environments; also called before an
    alias is deleted, which takes its config with it (recorded: test_lambda_provisioned_lifecycle
    list_response_postdeletes is empty after delete_alias_result)."""
    found = plane.store.read_one(
        "SELECT 1 FROM provisioned_concurrency WHERE function_name = ? AND qualifier = ?", (name, qualifier)
    )
    if found is None:
        return
    _warm(plane, name, qualifier, 0)  # while the qualifier still resolves
    with plane.store.write() as conn:
        conn.execute("DELETE FROM provisioned_concurrency WHERE function_name = ? AND qualifier = ?", (name, qualifier))
