"""GetAccountSettings: the account's limits and what this state directory uses."""

from __future__ import annotations

from typing import Any

from lambdactl import settings
from lambdactl.plane import ControlPlane, operation
from lambdactl.state.blobs import MAX_UNZIPPED, MAX_ZIPPED

TOTAL_CODE_SIZE = 80_530_636_800


def concurrency_limit() -> int:
    """The account's ConcurrentExecutions: ``LAMBDACTL_CONCURRENCY_LIMIT``, default 1000 as on AWS."""
    return settings.CONCURRENCY_LIMIT.get()


@operation("GetAccountSettings")
def get_account_settings(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    reserved = plane.store.read(  # an aggregate: always one row
        "SELECT COALESCE(SUM(reserved_concurrency), 0) AS total, COUNT(*) AS count FROM functions"
    )[0]
    code = plane.store.read(
        "SELECT COALESCE(SUM(json_extract(config, '$.CodeSize')), 0) AS size FROM versions"
    )[0]
    limit = concurrency_limit()
    return {
        "AccountLimit": {
            "TotalCodeSize": TOTAL_CODE_SIZE,
            "CodeSizeUnzipped": MAX_UNZIPPED,
            "CodeSizeZipped": MAX_ZIPPED,
            "ConcurrentExecutions": limit,
            "UnreservedConcurrentExecutions": limit - reserved["total"],
        },
        "AccountUsage": {"TotalCodeSize": code["size"], "FunctionCount": reserved["count"]},
    }
