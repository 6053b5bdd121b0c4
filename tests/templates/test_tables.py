"""DynamoDB tables in templates: no DynamoDB here, but a table with a stream gets the embedded stream, so a
`DynamoDB` event on `!GetAtt Table.StreamArn` runs for real; a table without one (and SimpleTable) is skipped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Users:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: users
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
      StreamSpecification:
        StreamViewType: NEW_IMAGE
  Plain:
    Type: AWS::DynamoDB::Table
    Properties:
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
  Simple:
    Type: AWS::Serverless::SimpleTable
  OnChange:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fn
      Handler: app.handler
      Runtime: python3.12
      Events:
        Stream:
          Type: DynamoDB
          Properties:
            Stream: !GetAtt Users.StreamArn
            StartingPosition: TRIM_HORIZON
"""


@pytest.mark.slow
def test_table_stream_feeds_the_function_and_tables_without_streams_are_skipped(cli, tmp_path: Path) -> None:
    (tmp_path / "fn").mkdir()
    (tmp_path / "fn/app.py").write_text("def handler(event, context):\n"
                                        "    for r in event['Records']:\n"
                                        "        print('CHANGE', r['eventName'], r['dynamodb']['NewImage']['name']['S'])\n")
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    plan = {c["LogicalResourceId"]: c for c in json.loads(cli("deploy", "--stack-name", "t", "--output", "json").stdout)["Changes"]}
    assert {lid: c["Action"] for lid, c in plan.items()} == {
        "Users": "Add", "Plain": "Skip (not run locally)", "Simple": "Skip (not run locally)", "OnChange": "Add",
        "OnChangeStream": "Add"}
    assert "no DynamoDB here" in plan["Simple"]["Reason"]
    stream = cli("dynamodbstreams", "list-streams", "--table-name", "users", "--query", "Streams[0].StreamArn",
                 "--output", "text").stdout.strip()
    assert stream.startswith("arn:aws:dynamodb:us-east-1:123456789012:table/users/stream/")
    assert cli("dynamodbstreams", "describe-stream", "--stream-arn", stream,
               "--query", "StreamDescription.StreamViewType", "--output", "text").stdout.strip() == "NEW_IMAGE"
    [mapping] = cli("list-event-source-mappings", "--function-name", "t-OnChange").json["EventSourceMappings"]
    assert mapping["EventSourceArn"] == stream

    cli("dynamodbstreams", "put-record", "--table-name", "users", "--event-name", "INSERT", "--keys", '{"id": {"S": "u1"}}',
        "--new-image", '{"id": {"S": "u1"}, "name": {"S": "Ada"}}')
    cli("drain", "--timeout", "60")
    assert "CHANGE INSERT Ada" in cli("logs", "tail", "/aws/lambda/t-OnChange", "--format", "short").stdout
    assert {c["Action"] for c in json.loads(cli("deploy", "--stack-name", "t", "--output", "json").stdout)["Changes"]} == {
        "Skip (not run locally)"}
