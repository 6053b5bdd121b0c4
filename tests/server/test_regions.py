"""One `serve` answers every region, each apart, for the region a request is signed for (SigV4 credential
scope), as AWS does: functions, ARNs, queues. Recordings: LocalStack's ``test_lambda_api.snapshot.json``
(``test_get_function_wrong_region``, ``test_lambda_code_location_zipfile`` / ``function_arn_other_region_exc``:
an ARN of another region is a 404 "Functions from 'X' are not reachable in this region ('Y')")."""

from __future__ import annotations

import json

import pytest
from botocore.config import Config
from .conftest import ROLE, boto3, create, lambdactl, wait_until, zip_bytes

EU = "eu-west-1"


def regional(server, service: str, region: str):  # type: ignore[no-untyped-def]
    return boto3.client(service, endpoint_url=server.url, region_name=region, aws_access_key_id="test",
                        aws_secret_access_key="test", config=Config(retries={"max_attempts": 1}))


def test_two_regions_keep_their_own_functions(server, client) -> None:
    europe = regional(server, "lambda", EU)
    home = create(client, "regional-twin", Environment={"Variables": {"WHERE": "home"}})
    away = create(europe, "regional-twin", Environment={"Variables": {"WHERE": "away"}})  # no conflict
    assert home["FunctionArn"] == "arn:aws:lambda:us-east-1:123456789012:function:regional-twin"
    assert away["FunctionArn"] == f"arn:aws:lambda:{EU}:123456789012:function:regional-twin"
    create(europe, "regional-eu-only")
    names_eu = {f["FunctionName"] for f in europe.list_functions()["Functions"]}
    names_home = {f["FunctionName"] for f in client.list_functions()["Functions"]}
    assert {"regional-twin", "regional-eu-only"} <= names_eu and "regional-eu-only" not in names_home
    assert europe.get_function_configuration(FunctionName="regional-twin")["Environment"]["Variables"] == {"WHERE": "away"}
    # a version and an alias carry the region too
    version = europe.publish_version(FunctionName="regional-twin")
    assert version["FunctionArn"] == f"arn:aws:lambda:{EU}:123456789012:function:regional-twin:1"
    alias = europe.create_alias(FunctionName="regional-twin", Name="live", FunctionVersion="1")
    assert alias["AliasArn"] == f"arn:aws:lambda:{EU}:123456789012:function:regional-twin:live"
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_alias(FunctionName="regional-twin", Name="live")
    # the function runs in its region: AWS_REGION inside is eu-west-1
    europe.update_function_code(FunctionName="regional-eu-only", ZipFile=zip_bytes(
        "import os\ndef handler(event, context):\n    return [os.environ['AWS_REGION'], context.invoked_function_arn]\n"))
    result = json.loads(europe.invoke(FunctionName="regional-eu-only")["Payload"].read())
    assert result == [EU, f"arn:aws:lambda:{EU}:123456789012:function:regional-eu-only"]
    europe.delete_function(FunctionName="regional-twin")
    assert client.get_function(FunctionName="regional-twin")["Configuration"]["Environment"]["Variables"] == {"WHERE": "home"}


def test_an_arn_is_found_in_its_region_only(server, client) -> None:
    europe = regional(server, "lambda", EU)
    arn = create(europe, "regional-arn")["FunctionArn"]
    assert europe.get_function(FunctionName=arn)["Configuration"]["FunctionArn"] == arn
    with pytest.raises(client.exceptions.ResourceNotFoundException) as caught:  # recorded: function_arn_other_region_exc
        client.get_function(FunctionName=arn)
    assert caught.value.response["Error"]["Message"] == f"Functions from '{EU}' are not reachable in this region ('us-east-1')"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_queues_and_layers_are_regional(server) -> None:
    home, europe = regional(server, "sqs", "us-east-1"), regional(server, "sqs", EU)
    url = europe.create_queue(QueueName="regional-queue")["QueueUrl"]
    arn = europe.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    assert arn == f"arn:aws:sqs:{EU}:123456789012:regional-queue"
    assert url in europe.list_queues().get("QueueUrls", [])
    assert not [u for u in home.list_queues().get("QueueUrls", []) if u.endswith("/regional-queue")]
    lam = regional(server, "lambda", EU)
    layer = lam.publish_layer_version(LayerName="regional-layer", Content={"ZipFile": zip_bytes("x = 1\n")})
    assert layer["LayerVersionArn"] == f"arn:aws:lambda:{EU}:123456789012:layer:regional-layer:1"
    assert not regional(server, "lambda", "us-east-1").list_layer_versions(LayerName="regional-layer")["LayerVersions"]


def test_cli_takes_region_from_flag_and_environment_through_serve(server, client) -> None:
    create(regional(server, "lambda", "ap-south-1"), "regional-cli")
    env = {"LAMBDACTL_STATE_DIR": str(server.state_dir), "PATH": "/usr/bin:/bin"}
    by_flag = lambdactl("get-function-configuration", "--function-name", "regional-cli", "--region", "ap-south-1", env=env)
    assert by_flag.returncode == 0, by_flag.stderr
    assert json.loads(by_flag.stdout)["FunctionArn"] == "arn:aws:lambda:ap-south-1:123456789012:function:regional-cli"
    by_env = lambdactl("list-functions", "--query", "Functions[].FunctionName", env={**env, "AWS_REGION": "ap-south-1"})
    assert "regional-cli" in json.loads(by_env.stdout)
    home = lambdactl("get-function", "--function-name", "regional-cli", env=env)
    assert home.returncode == 254 and "Function not found" in home.stderr


def test_buckets_are_one_namespace_each_in_its_region(server) -> None:
    """S3 bucket names are global; a bucket keeps the region it was created in (AWS: ListBuckets lists the
    account's buckets of every region, GetBucketLocation names the bucket's)."""
    europe, home = regional(server, "s3", EU), regional(server, "s3", "us-east-1")
    europe.create_bucket(Bucket="regional-bucket", CreateBucketConfiguration={"LocationConstraint": EU})
    assert "regional-bucket" in [b["Name"] for b in home.list_buckets()["Buckets"]]
    assert home.get_bucket_location(Bucket="regional-bucket")["LocationConstraint"] == EU
    with pytest.raises(home.exceptions.BucketAlreadyOwnedByYou):
        home.create_bucket(Bucket="regional-bucket")


def test_urls_async_events_and_mappings_run_in_their_region(server, tmp_path) -> None:
    europe = regional(server, "lambda", EU)
    source = ("import json, os\n"
              "def handler(event, context):\n"
              "    for record in event.get('Records', [event]):\n"
              "        body = json.loads(record.get('body', 'null')) or record\n"
              "        if 'out' in body:\n"
              "            open(body['out'], 'w').write(os.environ['AWS_REGION'])\n"
              "    return {'statusCode': 200, 'body': os.environ['AWS_REGION']}\n")
    europe.create_function(FunctionName="regional-runner", Runtime="python3.12", Role=ROLE, Handler="app.handler",
                           Code={"ZipFile": zip_bytes(source)})
    url = europe.create_function_url_config(FunctionName="regional-runner", AuthType="NONE")["FunctionUrl"]
    import urllib.request

    with urllib.request.urlopen(url, timeout=30) as response:  # the path form names no region: found in its own
        assert response.read() == EU.encode()
    async_out = tmp_path / "async"
    europe.invoke(FunctionName="regional-runner", InvocationType="Event", Payload=json.dumps({"out": str(async_out)}))
    wait_until(async_out.exists, timeout=60, what="the eu-west-1 async event ran")
    assert async_out.read_text() == EU
    sqs = regional(server, "sqs", EU)
    queue = sqs.create_queue(QueueName="regional-source")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    europe.create_event_source_mapping(FunctionName="regional-runner", EventSourceArn=arn, BatchSize=1)
    mapped_out = tmp_path / "mapped"
    sqs.send_message(QueueUrl=queue, MessageBody=json.dumps({"out": str(mapped_out)}))
    wait_until(mapped_out.exists, timeout=60, what="the eu-west-1 mapping delivered the message")
    assert mapped_out.read_text() == EU


def test_an_http_api_of_another_region_answers_on_its_url(server) -> None:
    europe = regional(server, "lambda", EU)
    europe.create_function(FunctionName="regional-api", Runtime="python3.12", Role=ROLE, Handler="app.handler",
                           Code={"ZipFile": zip_bytes("import os\ndef handler(event, context):\n"
                                                      "    return {'statusCode': 200, 'body': os.environ['AWS_REGION']}\n")})
    europe.add_permission(FunctionName="regional-api", StatementId="apigw", Action="lambda:InvokeFunction",
                          Principal="apigateway.amazonaws.com")
    apis = regional(server, "apigatewayv2", EU)
    api = apis.create_api(Name="regional", ProtocolType="HTTP",
                          Target=f"arn:aws:lambda:{EU}:123456789012:function:regional-api")
    import urllib.request

    with urllib.request.urlopen(f"{server.url}/_aws/execute-api/{api['ApiId']}/", timeout=30) as response:
        assert response.read() == EU.encode()


def test_another_accounts_arn_is_refused_not_served(server, client) -> None:
    """Recorded (LocalStack test_function_arns function_arn_other_account_exc): AccessDeniedException 403."""
    create(client, "account-own")
    foreign = "arn:aws:lambda:us-east-1:999999999999:function:account-own"
    for call, kwargs in [(client.delete_function, {}), (client.get_function, {}), (client.invoke, {}),
                         (client.add_permission, {"StatementId": "s", "Action": "lambda:InvokeFunction",
                                                  "Principal": "s3.amazonaws.com"})]:
        with pytest.raises(client.exceptions.ClientError) as caught:
            call(FunctionName=foreign, **kwargs)
        assert caught.value.response["Error"]["Code"] == "AccessDeniedException"
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        assert f"on resource: {foreign} because" in caught.value.response["Error"]["Message"]
    assert client.get_function(FunctionName="account-own")["Configuration"]["FunctionName"] == "account-own"
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_policy(FunctionName="account-own")
