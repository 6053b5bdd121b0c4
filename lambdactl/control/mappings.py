"""Event source mappings: create-, get-, list-, update- and delete-event-source-mapping.

A mapping ties an SQS queue, Kinesis stream or DynamoDB stream (embedded, or at a
configured AWS-compatible endpoint) to a function; the worker's pollers run it
(``lambdactl.events.pollers``). Changes settle at once: the response shows the
transitional state (Creating, Enabling, Updating, ...), later reads the settled one.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from lambdactl import errors
from lambdactl.control import paging, tags
from lambdactl.plane import ControlPlane, operation
from lambdactl.control.records import LATEST, function_exists, function_not_found
from lambdactl.model import validate

STREAM_KINDS = ("kinesis", "dynamodb")
STREAM_DEFAULTS: dict[str, Any] = {
    "ParallelizationFactor": 1, "MaximumRecordAgeInSeconds": -1, "BisectBatchOnFunctionError": False,
    "MaximumRetryAttempts": -1, "TumblingWindowInSeconds": 0,
}  # fmt: skip
# EventSourceMappingConfiguration member order (botocore), which is how the CLI prints it.
FIELD_ORDER = [
    "UUID", "StartingPosition", "StartingPositionTimestamp", "BatchSize", "MaximumBatchingWindowInSeconds",
    "ParallelizationFactor", "EventSourceArn", "FilterCriteria", "FunctionArn", "LastModified",
    "LastProcessingResult", "State", "StateTransitionReason", "DestinationConfig", "MaximumRecordAgeInSeconds",
    "BisectBatchOnFunctionError", "MaximumRetryAttempts", "TumblingWindowInSeconds", "FunctionResponseTypes",
    "ScalingConfig", "KMSKeyArn", "EventSourceMappingArn", "MetricsConfig", "LoggingConfig",
]  # fmt: skip
SETTINGS = [key for key in FIELD_ORDER if key not in (
    "UUID", "EventSourceArn", "FunctionArn", "LastModified", "LastProcessingResult", "State", "StateTransitionReason",
    "EventSourceMappingArn")]  # fmt: skip
PAGE_LIMIT = 100  # ListEventSourceMappings pages hold up to 100 mappings (other lists: 50)


def source_kind(arn: str) -> str | None:
    """``sqs``, ``kinesis`` or ``dynamodb`` (a table's stream) from an event source ARN; None otherwise."""
    from lambdactl.sources import kind_for

    kind = kind_for(arn)
    return kind.name if kind is not None else None


def _function(plane: ControlPlane, value: str) -> tuple[str, str | None]:
    ref = validate.parse_function_name(value, plane.settings)
    if not function_exists(plane, ref.name):
        raise function_not_found(plane, ref.name, ref.qualifier)
    if ref.qualifier and ref.qualifier != LATEST:
        from lambdactl.control.aliases import resolve

        resolve(plane, ref.name, ref.qualifier)  # 404 for an unknown version or alias
    return ref.name, ref.qualifier


def _check_source(plane: ControlPlane, arn: str) -> tuple[str, str | None]:
    """The source's kind and, for an external source, the endpoint it is polled at."""
    kind = source_kind(arn)
    if kind is None:
        raise errors.InvalidParameterValueException("Unrecognized event source.")
    from lambdactl.sources import kinds, locate

    return kind, locate(plane, arn, kinds()[kind])


def _check(kind: str, config: dict[str, Any], *, fifo: bool) -> None:
    """Validate the merged settings of a mapping of ``kind`` (reference §1.6)."""
    stream = kind in STREAM_KINDS
    validate.check_range(config.get("BatchSize"), "batchSize", 1, 10000)
    if fifo and config["BatchSize"] > 10:
        raise errors.InvalidParameterValueException("Batch size must be between 1 and 10 for FIFO queues.")
    validate.check_range(config.get("MaximumBatchingWindowInSeconds"), "maximumBatchingWindowInSeconds", 0, 300)
    if kind == "sqs" and not fifo and config["BatchSize"] > 10 and not config.get("MaximumBatchingWindowInSeconds"):
        raise errors.InvalidParameterValueException(
            "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10"
        )
    validate.check_range(config.get("ParallelizationFactor"), "parallelizationFactor", 1, 10)
    validate.check_range(config.get("MaximumRetryAttempts"), "maximumRetryAttempts", -1, 10000)
    validate.check_range(config.get("MaximumRecordAgeInSeconds"), "maximumRecordAgeInSeconds", -1, 604800)
    age = config.get("MaximumRecordAgeInSeconds")
    if age is not None and 0 <= age < 60:
        raise errors.InvalidParameterValueException(
            "MaximumRecordAgeInSeconds must be -1 or between 60 and 604800 seconds."
        )
    validate.check_range(config.get("TumblingWindowInSeconds"), "tumblingWindowInSeconds", 0, 900)
    for value in config.get("FunctionResponseTypes") or []:
        validate.check_enum(value, "functionResponseTypes", ["ReportBatchItemFailures"])
    maximum = (config.get("ScalingConfig") or {}).get("MaximumConcurrency")
    validate.check_range(maximum, "scalingConfig.maximumConcurrency", 2, 1000)
    for index, item in enumerate((config.get("FilterCriteria") or {}).get("Filters") or []):
        _check_pattern(item.get("Pattern"), index)
    if not stream:
        for key in (*STREAM_DEFAULTS, "StartingPosition", "StartingPositionTimestamp"):
            if config.get(key) not in (None, STREAM_DEFAULTS.get(key)):
                raise errors.InvalidParameterValueException(f"Unsupported {key} parameter for given event source "
                                                            "mapping type.")
        if config.get("DestinationConfig"):
            raise errors.InvalidParameterValueException(
                "Unsupported DestinationConfig parameter for given event source mapping type."
            )
        return
    if config.get("ScalingConfig"):
        raise errors.InvalidParameterValueException("Unsupported ScalingConfig parameter for given event source mapping type.")
    _check_starting_position(kind, config)
    destinations = config.get("DestinationConfig") or {}
    if (destinations.get("OnSuccess") or {}).get("Destination"):
        raise errors.InvalidParameterValueException(
            "Unsupported DestinationConfig parameter for given event source mapping type."
        )
    target = (destinations.get("OnFailure") or {}).get("Destination")
    if target and source_kind(target) != "sqs" and ":function:" not in target and ":sns:" not in target:
        raise errors.InvalidParameterValueException(
            "The provided destination config DestinationConfig(onSuccess=null, "
            f"onFailure=OnFailure(destination={target})) is invalid."
        )


def _check_starting_position(kind: str, config: dict[str, Any]) -> None:
    position = config.get("StartingPosition")
    if position is None:
        raise errors.InvalidParameterValueException(
            "1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: "
            "Member must not be null."
        )
    validate.check_enum(position, "startingPosition", ["TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"])
    if position == "AT_TIMESTAMP":
        if kind == "dynamodb":
            raise errors.InvalidParameterValueException(
                "Unsupported starting position for DynamoDB stream event source mapping: AT_TIMESTAMP"
            )
        if config.get("StartingPositionTimestamp") is None:
            raise errors.InvalidParameterValueException(
                "StartingPositionTimestamp must be provided when StartingPosition is AT_TIMESTAMP."
            )
    elif config.get("StartingPositionTimestamp") is not None:
        raise errors.InvalidParameterValueException(
            "StartingPositionTimestamp can only be provided when StartingPosition is AT_TIMESTAMP."
        )


def _check_pattern(pattern: Any, index: int) -> None:
    from lambdactl import event_patterns

    if not isinstance(pattern, str) or len(pattern) > 4096:
        raise errors.validation_error(pattern, f"filterCriteria.filters.{index + 1}.member.pattern",
                                      "Member must have length less than or equal to 4096")
    try:
        event_patterns.compile_pattern(pattern, event_patterns.FILTER_KINDS)  # as the pollers filter
    except ValueError as exc:
        raise errors.InvalidParameterValueException(f"Invalid filter pattern definition. {exc}") from None


def _epoch(value: Any) -> float | None:
    """StartingPositionTimestamp as epoch seconds (the model's timestamp: epoch number or ISO string)."""
    if value is None or isinstance(value, (int, float)):
        return value
    from datetime import datetime

    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise errors.InvalidParameterValueException(f"Invalid StartingPositionTimestamp: {value}") from None


def _is_fifo(arn: str) -> bool:
    return arn.endswith(".fifo")


def _shown(plane: ControlPlane, row: Any, state: str | None = None) -> dict[str, Any]:
    config = json.loads(row["config"])
    kind = source_kind(row["event_source_arn"]) or ""
    state = state or row["state"]
    out: dict[str, Any] = {key: value for key, value in config.items() if value is not None}
    if not (out.get("FilterCriteria") or {}).get("Filters"):
        out.pop("FilterCriteria", None)
    out.update(
        UUID=row["uuid"],
        EventSourceArn=row["event_source_arn"],
        FunctionArn=plane.settings.function_arn(row["function_name"], row["qualifier"]),
        LastModified=round(row["last_modified"], 3),
        State=state,
        StateTransitionReason="User action" if kind in STREAM_KINDS else "USER_INITIATED",
        EventSourceMappingArn=mapping_arn(plane, row["uuid"]),
    )
    if kind in STREAM_KINDS:
        out["LastProcessingResult"] = config.get("_LastProcessingResult") or "No records processed"
        out.setdefault("DestinationConfig", {"OnFailure": {}})
    order = {name: index for index, name in enumerate(FIELD_ORDER)}
    return {key: out[key] for key in sorted(out, key=lambda k: order.get(k, len(order))) if not key.startswith("_")}


def mapping_arn(plane: ControlPlane, mapping_id: str) -> str:
    return f"arn:aws:lambda:{plane.settings.region}:{plane.settings.account_id}:event-source-mapping:{mapping_id}"


def _row(plane: ControlPlane, mapping_id: str) -> Any:
    row = plane.store.read_one("SELECT * FROM event_source_mappings WHERE uuid = ?", (mapping_id,))
    if row is None:
        raise errors.ResourceNotFoundException("The resource you requested does not exist.")
    return row


def _settings(params: dict[str, Any]) -> dict[str, Any]:
    out = {key: params[key] for key in SETTINGS if params.get(key) is not None}
    if "StartingPositionTimestamp" in out:
        out["StartingPositionTimestamp"] = _epoch(out["StartingPositionTimestamp"])
    return out


def _duplicate(kind: str, arn: str, function_arn: str, given: str, existing: str) -> errors.ServiceError:
    """The conflict text; for SQS it names the function as the request did (recorded: LocalStack
    test_lambda_integration_sqs.snapshot.json test_duplicate_event_source_mappings, a name gives the name)."""
    if kind == "sqs":
        text = f'An event source mapping with SQS arn (" {arn} ") and function (" {given} ") already exists.'
    else:
        text = (f'The event source arn (" {arn} ") and function (" {function_arn} ") provided mapping already '
                "exists.")
    return errors.ResourceConflictException(f"{text} Please update or delete the existing mapping with UUID {existing}")


def _started(plane: ControlPlane) -> None:
    plane.async_work.start_worker()


@operation("CreateEventSourceMapping")
def create_event_source_mapping(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    arn = params.get("EventSourceArn")
    if not arn:  # recorded: test_event_source_mapping_exceptions create_no_event_source_arn
        raise errors.InvalidParameterValueException("Unrecognized event source.")
    if not function_exists(plane, validate.parse_function_name(params["FunctionName"], plane.settings).name):
        # a 400, not a 404 (recorded: test_event_source_mapping_exceptions create_unknown_params)
        raise errors.InvalidParameterValueException("Function does not exist")
    name, qualifier = _function(plane, params["FunctionName"])
    kind, endpoint = _check_source(plane, arn)
    config: dict[str, Any] = {"BatchSize": 10 if kind == "sqs" else 100, "MaximumBatchingWindowInSeconds": 0}
    if kind in STREAM_KINDS:
        config.update(STREAM_DEFAULTS)
    config.update(_settings(params))
    config.setdefault("FunctionResponseTypes", [])
    _check(kind, config, fifo=_is_fifo(arn))
    if endpoint is not None:
        config["_Endpoint"] = endpoint
    enabled = params.get("Enabled", True) is not False
    mapping_id, now = str(uuid.uuid4()), time.time()
    function_arn = plane.settings.function_arn(name, qualifier)
    tags.ensure_tables(plane)
    with plane.store.write() as conn:
        for other in conn.execute(
            "SELECT uuid, function_name, qualifier FROM event_source_mappings WHERE event_source_arn = ?", (arn,)
        ):
            if (other["function_name"], other["qualifier"]) == (name, qualifier):
                raise _duplicate(kind, arn, function_arn, params["FunctionName"], other["uuid"])
        conn.execute(
            "INSERT INTO event_source_mappings (uuid, function_name, qualifier, event_source_arn, config, state, "
            "last_modified, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (mapping_id, name, qualifier, arn, json.dumps(config), "Enabled" if enabled else "Disabled", now, now),
        )
        tags.tag_new_resource(conn, mapping_arn(plane, mapping_id), params.get("Tags"))
    if enabled:
        _started(plane)
    return _shown(plane, _row(plane, mapping_id), "Creating" if enabled else "Disabled")


@operation("GetEventSourceMapping")
def get_event_source_mapping(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    return _shown(plane, _row(plane, params["UUID"]))


@operation("UpdateEventSourceMapping")
def update_event_source_mapping(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    row = _row(plane, params["UUID"])
    kind = source_kind(row["event_source_arn"]) or "sqs"
    for key in ("StartingPosition", "StartingPositionTimestamp"):
        if params.get(key) is not None:
            raise errors.InvalidParameterValueException(f"Unsupported {key} parameter for update.")
    config = json.loads(row["config"])
    config.update(_settings(params))
    _check(kind, config, fifo=_is_fifo(row["event_source_arn"]))
    name, qualifier = row["function_name"], row["qualifier"]
    if params.get("FunctionName"):
        name, qualifier = _function(plane, params["FunctionName"])
    state, shown = row["state"], "Updating"
    if params.get("Enabled") is not None:
        state = "Enabled" if params["Enabled"] else "Disabled"
        if state != row["state"]:
            shown = "Enabling" if params["Enabled"] else "Disabling"
    with plane.store.write() as conn:
        conn.execute(
            "UPDATE event_source_mappings SET function_name = ?, qualifier = ?, config = ?, state = ?, "
            "last_modified = ? WHERE uuid = ?",
            (name, qualifier, json.dumps(config), state, time.time(), row["uuid"]),
        )
    if state == "Enabled":
        _started(plane)
    return _shown(plane, _row(plane, row["uuid"]), shown)


@operation("DeleteEventSourceMapping")
def delete_event_source_mapping(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    row = _row(plane, params["UUID"])
    tags.ensure_tables(plane)
    with plane.store.write() as conn:
        conn.execute("DELETE FROM event_source_mappings WHERE uuid = ?", (row["uuid"],))
        tags.forget(conn, mapping_arn(plane, row["uuid"]))
    return _shown(plane, row, "Deleting")


@operation("ListEventSourceMappings")
def list_event_source_mappings(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    where, args = ["uuid > ?"], [paging.decode_marker(params.get("Marker"))]
    if params.get("EventSourceArn"):
        where.append("event_source_arn = ?")
        args.append(params["EventSourceArn"])
    if params.get("FunctionName"):
        ref = validate.parse_function_name(params["FunctionName"], plane.settings)
        where.append("function_name = ?")
        args.append(ref.name)
        if ref.qualifier:
            where.append("qualifier = ?")
            args.append(ref.qualifier)
    limit = paging.limit(params, PAGE_LIMIT, maximum=paging.MAX_ITEMS)
    rows = plane.store.read(
        f"SELECT * FROM event_source_mappings WHERE {' AND '.join(where)} ORDER BY uuid LIMIT ?", (*args, limit + 1)
    )
    rows, next_marker = paging.page(rows, limit, key=lambda row: paging.encode_marker(row["uuid"]))
    return paging.listing("EventSourceMappings", [_shown(plane, row) for row in rows], next_marker)


def enabled_mappings(plane: ControlPlane) -> list[dict[str, Any]]:
    """Every enabled mapping with its settings, for the pollers: uuid, function, qualifier, arn, config, created_at."""
    rows = plane.store.read("SELECT * FROM event_source_mappings WHERE state = 'Enabled' ORDER BY uuid")
    return [{"uuid": row["uuid"], "function_name": row["function_name"], "qualifier": row["qualifier"],
             "arn": row["event_source_arn"], "config": json.loads(row["config"]), "created_at": row["created_at"],
             "last_modified": row["last_modified"]} for row in rows]  # fmt: skip


def is_current(plane: ControlPlane, mapping_id: str, last_modified: float) -> bool:
    """Whether a poller's mapping is still enabled and unchanged (a disable stops it before its next batch)."""
    return plane.store.read_one(
        "SELECT 1 FROM event_source_mappings WHERE uuid = ? AND state = 'Enabled' AND last_modified = ?",
        (mapping_id, last_modified),
    ) is not None


def note_result(plane: ControlPlane, mapping_id: str, result: str) -> None:
    """Record a stream mapping's LastProcessingResult (``OK`` / ``PROBLEM: ...``)."""
    with plane.store.write() as conn:
        row = conn.execute("SELECT config FROM event_source_mappings WHERE uuid = ?", (mapping_id,)).fetchone()
        if row:
            config = json.loads(row[0])
            if config.get("_LastProcessingResult") != result:
                config["_LastProcessingResult"] = result
                conn.execute("UPDATE event_source_mappings SET config = ? WHERE uuid = ?", (json.dumps(config), mapping_id))
