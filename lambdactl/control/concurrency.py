"""Reserved concurrency: put-, get- and delete-function-concurrency."""

from __future__ import annotations

from typing import Any

from lambdactl import errors
from lambdactl.control.account import concurrency_limit
from lambdactl.plane import ControlPlane, operation
from lambdactl.control.records import (
    LATEST,
    function_exists,
    function_not_found,
    parse_target,
)
from lambdactl.model import validate

MIN_UNRESERVED = 100


def _function_name(plane: ControlPlane, params: dict[str, Any]) -> str:
    ref, qualifier = parse_target(plane, params, namespaced=False)
    if qualifier:
        raise errors.InvalidParameterValueException(
            "This operation is permitted on Lambda functions only. Aliases and versions do not support this "
            "operation. Please specify either a function name or an unqualified function ARN."
        )
    return ref.name


def reserved_concurrency(plane: ControlPlane, name: str) -> int | None:
    row = plane.store.read_one("SELECT reserved_concurrency FROM functions WHERE name = ?", (name,))
    return row["reserved_concurrency"] if row else None


def unreserved_concurrency(plane: ControlPlane) -> int:
    """What functions without a reservation share: the account limit less every reservation."""
    total = plane.store.read("SELECT COALESCE(SUM(reserved_concurrency), 0) FROM functions")[0][0]
    return concurrency_limit() - int(total)


def provisioned_total(conn: Any, name: str, excluding: str | None = None) -> int:
    """The provisioned concurrency of all the function's versions and aliases (but ``excluding``)."""
    row = conn.execute(
        "SELECT COALESCE(SUM(requested), 0) FROM provisioned_concurrency WHERE function_name = ? AND qualifier != ?",
        (name, excluding or ""),
    ).fetchone()
    return int(row[0])


def on_demand_reserved(plane: ControlPlane, name: str, qualifiers: tuple[str, ...], reserved: int | None) -> int | None:
    """What of a reservation an invocation of ``qualifiers`` (as invoked, as executed) may use: all of it
    when one of them has provisioned concurrency, else what the provisioned configs leave. Reserved
    concurrency equal to the provisioned total leaves $LATEST nothing (recorded: test_lambda.snapshot.json
    test_reserved_provisioned_overlap reserved_equals_provisioned_latest_invoke_exc, 429)."""
    if reserved is None:
        return None
    rows = plane.store.read(
        "SELECT qualifier, requested FROM provisioned_concurrency WHERE function_name = ?", (name,)
    )
    if any(row["qualifier"] in qualifiers for row in rows):
        return reserved
    return max(0, reserved - sum(row["requested"] for row in rows))


@operation("PutFunctionConcurrency")
def put_function_concurrency(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    name = _function_name(plane, params)
    wanted = params["ReservedConcurrentExecutions"]
    validate.check_range(wanted, "reservedConcurrentExecutions", 0, concurrency_limit())
    with plane.store.write() as conn:
        if not function_exists(plane, name):  # inside the transaction: the same connection
            raise function_not_found(plane, name, LATEST)
        others = conn.execute(
            "SELECT COALESCE(SUM(reserved_concurrency), 0) FROM functions WHERE name != ?", (name,)
        ).fetchone()[0]
        provisioned = provisioned_total(conn, name)
        if wanted < provisioned:  # recorded: test_reserved_provisioned_overlap reserved_lower_than_provisioned_exc
            raise errors.InvalidParameterValueException(
                f" ReservedConcurrentExecutions  {wanted} should not be lower than function's total provisioned "
                f"concurrency [{provisioned}]."
            )
        if concurrency_limit() - others - wanted < MIN_UNRESERVED:
            raise errors.InvalidParameterValueException(
                "Specified ReservedConcurrentExecutions for function decreases account's "
                f"UnreservedConcurrentExecution below its minimum value of [{MIN_UNRESERVED}]."
            )
        conn.execute("UPDATE functions SET reserved_concurrency = ? WHERE name = ?", (wanted, name))
    return {"ReservedConcurrentExecutions": wanted}


@operation("GetFunctionConcurrency")
def get_function_concurrency(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    name = _function_name(plane, params)
    if not function_exists(plane, name):
        raise function_not_found(plane, name, LATEST)
    reserved = reserved_concurrency(plane, name)
    return {} if reserved is None else {"ReservedConcurrentExecutions": reserved}


@operation("DeleteFunctionConcurrency")
def delete_function_concurrency(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    name = _function_name(plane, params)
    with plane.store.write() as conn:
        if not conn.execute("UPDATE functions SET reserved_concurrency = NULL WHERE name = ?", (name,)).rowcount:
            raise function_not_found(plane, name, LATEST)
    return {}
