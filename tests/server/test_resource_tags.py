"""Tags on event source mappings and code signing configs through serve with boto3.

Followed: the responses recorded from AWS in LocalStack's tests/aws/services/lambda_/test_lambda_api.snapshot.json,
TestLambdaTag::test_tag_lifecycle[event_source_mapping] (TagResource/UntagResource 204, ListTags after each),
test_create_tag_on_esm_create (Tags on CreateEventSourceMapping, then ListTags),
test_tag_exceptions[event_source_mapping] / [capacity_provider] (404 texts, the ValidationException pattern),
TestLambdaTags::test_tag_exceptions tag_empty_tags. Code signing configs take Tags on create as the model says
(CreateCodeSigningConfigRequest.Tags; no recording), missing ones answer as their own operations do.
"""

from __future__ import annotations

import uuid

import boto3
import pytest
from botocore.exceptions import ClientError

from .conftest import create

PUBLISHERS = {"SigningProfileVersionArns": ["arn:aws:signer:us-east-1:123456789012:/signing-profiles/test"]}
PATTERN = (
    r"arn:(aws[a-zA-Z-]*):lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:"
    r"(function:[a-zA-Z0-9-_]+(:(\$LATEST|[a-zA-Z0-9-_]+))?|layer:([a-zA-Z0-9-_]+)|code-signing-config:csc-[a-z0-9]{17}"
    r"|event-source-mapping:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|capacity-provider:[a-zA-Z0-9-_]+)"
)


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[int, str, str]:
    response = exc.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"], response["Error"]["Message"]


@pytest.fixture
def mapping(client, server):  # type: ignore[no-untyped-def]
    sqs = boto3.client("sqs", endpoint_url=server.url, region_name="us-east-1", aws_access_key_id="test",
                       aws_secret_access_key="test")  # fmt: skip
    name = f"tags-{uuid.uuid4().hex[:8]}"
    create(client, name)
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    made = client.create_event_source_mapping(EventSourceArn=arn, FunctionName=name, BatchSize=1, Enabled=False,
                                              Tags={"testtag": "custom"})  # fmt: skip
    return made


def test_esm_tags_on_create_and_lifecycle(client, mapping) -> None:
    arn = mapping["EventSourceMappingArn"]
    assert client.list_tags(Resource=arn)["Tags"] == {"testtag": "custom"}  # test_create_tag_on_esm_create
    client.untag_resource(Resource=arn, TagKeys=["testtag"])
    steps = [
        ("tag", {"A": "tag-a"}, {"A": "tag-a"}),
        ("tag", {"B": "tag-b", "C": "tag-c"}, {"A": "tag-a", "B": "tag-b", "C": "tag-c"}),
        ("tag", {"C": "tag-c-newsuffix", "D": "tag-d"}, {"A": "tag-a", "B": "tag-b", "C": "tag-c-newsuffix", "D": "tag-d"}),
        ("untag", ["A"], {"B": "tag-b", "C": "tag-c-newsuffix", "D": "tag-d"}),
        ("untag", ["B", "C"], {"D": "tag-d"}),
        ("untag", ["F"], {"D": "tag-d"}),
        ("untag", ["D", "F"], {}),
    ]  # test_tag_lifecycle[event_source_mapping], step by step
    for action, value, expected in steps:
        if action == "tag":
            response = client.tag_resource(Resource=arn, Tags=value)
        else:
            response = client.untag_resource(Resource=arn, TagKeys=value)
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 204
        assert client.list_tags(Resource=arn)["Tags"] == expected


def test_esm_tag_errors(client, mapping) -> None:
    arn = mapping["EventSourceMappingArn"]
    missing = arn.rsplit(":", 1)[0] + ":" + str(uuid.uuid4())
    for call in (lambda: client.tag_resource(Resource=missing, Tags={"A": "B"}),
                 lambda: client.untag_resource(Resource=missing, TagKeys=["A"]),
                 lambda: client.list_tags(Resource=missing)):  # fmt: skip
        with pytest.raises(ClientError) as exc:
            call()
        assert error(exc) == (404, "ResourceNotFoundException", f"Event source mapping not found: {missing}")
    with pytest.raises(ClientError) as aliased:
        client.list_tags(Resource=f"{arn}:alias")
    assert error(aliased) == (400, "ValidationException", f"1 validation error detected: Value '{arn}:alias' at "
                              f"'resource' failed to satisfy constraint: Member must satisfy regular expression "
                              f"pattern: {PATTERN}")  # fmt: skip
    with pytest.raises(ClientError) as empty:  # TestLambdaTags tag_empty_tags
        client.tag_resource(Resource=arn, Tags={})
    assert error(empty) == (400, "InvalidParameterValueException", "An error occurred and the request cannot be processed.")
    client.delete_event_source_mapping(UUID=mapping["UUID"])
    with pytest.raises(ClientError) as gone:  # its tags went with it
        client.list_tags(Resource=arn)
    assert error(gone)[:2] == (404, "ResourceNotFoundException")


def test_capacity_provider_arn_is_not_found(client) -> None:
    arn = "arn:aws:lambda:us-east-1:123456789012:capacity-provider:nothing-here"
    with pytest.raises(ClientError) as exc:
        client.list_tags(Resource=arn)
    assert error(exc) == (404, "ResourceNotFoundException", f"Capacity provider not found: {arn}")


def test_code_signing_config_tags(client) -> None:
    config = client.create_code_signing_config(AllowedPublishers=PUBLISHERS, Tags={"team": "a"})["CodeSigningConfig"]
    arn = config["CodeSigningConfigArn"]
    assert client.list_tags(Resource=arn)["Tags"] == {"team": "a"}
    assert client.tag_resource(Resource=arn, Tags={"env": "dev"})["ResponseMetadata"]["HTTPStatusCode"] == 204
    client.untag_resource(Resource=arn, TagKeys=["team"])
    assert client.list_tags(Resource=arn)["Tags"] == {"env": "dev"}
    client.delete_code_signing_config(CodeSigningConfigArn=arn)
    with pytest.raises(ClientError) as gone:
        client.list_tags(Resource=arn)
    assert error(gone) == (404, "ResourceNotFoundException",
                           f"The Lambda code signing configuration {arn} can not be found.")  # fmt: skip
