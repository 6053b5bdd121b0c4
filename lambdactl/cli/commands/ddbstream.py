"""``lambdactl dynamodbstreams put-record``: lambdactl's own way to append a DynamoDB stream record.

Example::

    lambdactl dynamodbstreams put-record --table-name T --event-name INSERT \\
        --keys '{"Id":{"N":"1"}}' --new-image '{"Id":{"N":"1"},"Message":{"S":"hi"}}'

The table's stream (NEW_AND_OLD_IMAGES) is created on first use; the record is printed as
``get-records`` shows it, so its ``dynamodb.SequenceNumber`` and the stream ARN are at hand.
The command only parses its flags: the work is the ``dynamodbstreams:PutRecord`` operation.
"""

from __future__ import annotations

import json
from typing import Any

import click

from lambdactl import errors
from lambdactl.cli.examples import epilog


def _json_option(raw: str | None, flag: str) -> dict[str, Any] | None:
    from lambdactl.cli import paramfile

    if raw is None:
        return None
    try:
        value = json.loads(paramfile.load(raw, flag))
    except ValueError as exc:
        raise errors.UsageError(f"Error parsing parameter '{flag}': Invalid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise errors.UsageError(f"Error parsing parameter '{flag}': expected a JSON object")
    return value


@click.command(name="put-record", help="lambdactl extension: append an INSERT/MODIFY/REMOVE record to a table's stream.",
               epilog=epilog("lambdactl dynamodbstreams put-record --table-name orders --event-name INSERT --keys '{\"id\": {\"S\": \"1\"}}'"))
@click.option("--table-name", help="The table whose stream gets the record (created on first use).")
@click.option("--stream-arn", help="Or: the stream, by ARN.")
@click.option("--event-name", required=True, type=click.Choice(["INSERT", "MODIFY", "REMOVE"]),
              help="The kind of change the record describes.")
@click.option("--keys", required=True, metavar="<json>", help="The item's key attributes, in DynamoDB JSON.")
@click.option("--new-image", metavar="<json>", help="The item after the change (INSERT, MODIFY).")
@click.option("--old-image", metavar="<json>", help="The item before the change (MODIFY, REMOVE).")
@click.pass_obj
def put_record(globals_: Any, table_name: str | None, stream_arn: str | None, event_name: str, keys: str,
               new_image: str | None, old_image: str | None) -> None:  # fmt: skip
    from lambdactl.cli.connect import local_plane
    from lambdactl.render import render

    if not (stream_arn or table_name):
        raise click.UsageError("one of the arguments --table-name --stream-arn is required")
    params: dict[str, Any] = {"StreamArn": stream_arn} if stream_arn else {"TableName": table_name}
    params.update(EventName=event_name, Keys=_json_option(keys, "--keys") or {})
    for name, raw, flag in (("NewImage", new_image, "--new-image"), ("OldImage", old_image, "--old-image")):
        image = _json_option(raw, flag)
        if image is not None:
            params[name] = image
    result = local_plane(globals_).call("dynamodbstreams:PutRecord", params)
    render(result, output=globals_.output, query=globals_.query, operation="PutRecord")
