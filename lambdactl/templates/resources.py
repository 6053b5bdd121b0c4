"""Each resource type a template can hold: how it is created, updated and deleted, all through the
control plane (``plane.call``), and the attributes ``Ref`` / ``Fn::GetAtt`` give.

A handler's ``create`` returns ``(physical_id, attributes)``; ``update`` returns the new pair (types
without an in-place update are replaced: created anew, then the old one deleted); ``delete`` takes
what was recorded. Types lambdactl cannot run (IAM, KMS, VPC, DynamoDB tables, SNS...) are SKIPPED:
listed in the plan, given placeholder attributes so references to them resolve.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lambdactl import errors
from lambdactl.templates.loader import TemplateError
from lambdactl.templates.resolve import SKIP

Attributes = dict[str, Any]
SKIPPED = ("AWS::IAM::", "AWS::KMS::", "AWS::EC2::", "AWS::DynamoDB::", "AWS::SNS::", "AWS::Logs::", "AWS::CloudWatch::",
           "AWS::SSM::", "AWS::SecretsManager::", "AWS::Serverless::SimpleTable", "AWS::StepFunctions::",
           "AWS::Serverless::StateMachine", "AWS::Cognito::", "AWS::CloudFront::", "AWS::Route53::",
           "AWS::CertificateManager::", "AWS::IoT::", "AWS::MSK::", "AWS::AmazonMQ::", "AWS::DocDB::")  # fmt: skip
WAIT_S = 120.0


@dataclass
class Context:
    plane: Any
    stack: str
    base: Path  # the template's folder: CodeUri and ContentUri are relative to it
    sources: set[str] = field(default_factory=set)  # the code folders and zips packaged (noop.py fingerprints them)

    @property
    def region(self) -> str:
        return self.plane.settings.region

    @property
    def account(self) -> str:
        return self.plane.settings.account_id

    def name(self, props: dict[str, Any], key: str, logical_id: str, limit: int = 64) -> str:
        """The resource's name: the template's, else ``<stack>-<LogicalId>`` as CloudFormation derives it."""
        return str(props.get(key) or f"{self.stack}-{logical_id}"[:limit])


SKIP_REASONS = {
    "AWS::SNS::": "no SNS here",
    "AWS::IAM::": "IAM is not enforced here: references get a placeholder ARN",
    "AWS::DynamoDB::": "no DynamoDB here (a table's stream is fed with dynamodbstreams put-record)",
    "AWS::Serverless::SimpleTable": "no DynamoDB here (a table's stream is fed with dynamodbstreams put-record)",
}


def is_skipped(kind: str, properties: dict[str, Any] | None = None) -> bool:
    """Not run here; a DynamoDB table with a ``StreamSpecification`` is, as its embedded stream (``Table``).
    A resource made for a SAM event lambdactl cannot run carries its reason as ``__Skip`` (resolve.py)."""
    if SKIP in (properties or {}):
        return True
    if kind == "AWS::DynamoDB::Table" and (properties or {}).get("StreamSpecification"):
        return False
    return kind.startswith(SKIPPED)


def skip_reason(kind: str, properties: dict[str, Any] | None = None) -> str:
    if SKIP in (properties or {}):
        return str((properties or {})[SKIP])
    return next((reason for prefix, reason in SKIP_REASONS.items() if kind.startswith(prefix)),
                f"{kind.split('::')[1]} is not run by lambdactl")


def skipped_attributes(ctx: Context, logical_id: str, kind: str) -> Attributes:
    service = kind.split("::")[1].lower()
    name = f"{ctx.stack}-{logical_id}"
    arn = f"arn:aws:{service}:{ctx.region}:{ctx.account}:{name}"
    if service == "iam":
        arn = f"arn:aws:iam::{ctx.account}:role/{name}"
    return {"Ref": name, "Arn": arn, "StreamArn": f"{arn}/stream/local"}


# ---------------------------------------------------------------- code


def _zip_folder(folder: Path) -> bytes:
    """A deterministic zip of ``folder`` (sorted names, fixed times), so unchanged code hashes the same."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for root, dirs, files in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if d not in ("__pycache__", ".aws-sam", ".git"))
            for name in sorted(files):
                path = Path(root, name)
                info = zipfile.ZipInfo(str(path.relative_to(folder)), date_time=(1980, 1, 1, 0, 0, 0))
                info.external_attr = (0o755 if os.access(path, os.X_OK) else 0o644) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def package(ctx: Context, code: dict[str, Any], owner: str) -> bytes:
    """The zip a ``CodeUri`` / ``ContentUri`` (folder or .zip, relative to the template) or ``InlineCode`` names."""
    if "ZipInline" in code:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr(zipfile.ZipInfo("index.py", date_time=(1980, 1, 1, 0, 0, 0)), str(code["ZipInline"]))
        return buffer.getvalue()
    uri = code.get("LocalUri")
    if not isinstance(uri, str):
        raise TemplateError(f"Resource {owner}: CodeUri must be a local folder or .zip file (got {uri!r})")
    path = (ctx.base / uri).resolve()
    ctx.sources.add(str(path))
    if path.is_dir():
        return _zip_folder(path)
    if path.is_file():
        return path.read_bytes()
    raise TemplateError(f"Resource {owner}: CodeUri {uri} does not exist ({path})")


def code_sha(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


# ---------------------------------------------------------------- Lambda


def wait_settled(plane: Any, name: str) -> dict[str, Any]:
    """Wait as AWS asks before the next change: until State is not Pending and LastUpdateStatus not InProgress."""
    deadline = time.monotonic() + WAIT_S
    while True:
        config = plane.call("GetFunctionConfiguration", {"FunctionName": name})
        if config.get("State") != "Pending" and config.get("LastUpdateStatus") != "InProgress":
            if config.get("State") == "Failed" or config.get("LastUpdateStatus") == "Failed":
                raise errors.LambdactlError(f"Function {name} failed to update: {config.get('LastUpdateStatusReason') or config.get('StateReason')}")
            return config
        if time.monotonic() > deadline:
            raise errors.LambdactlError(f"Function {name} is still updating after {WAIT_S:g} s")
        time.sleep(0.05)


CONFIG_KEYS = ("Handler", "Runtime", "MemorySize", "Timeout", "Environment", "Layers", "Description", "Role",
               "EphemeralStorage", "TracingConfig", "LoggingConfig", "DeadLetterConfig")  # fmt: skip


def _function_config(ctx: Context, lid: str, props: dict[str, Any]) -> dict[str, Any]:
    config = {key: props[key] for key in CONFIG_KEYS if key in props}
    config.setdefault("Role", f"arn:aws:iam::{ctx.account}:role/{ctx.stack}-{lid}Role")
    config.setdefault("Layers", [])
    config.setdefault("Environment", {"Variables": {}})
    if "DeadLetterQueue" in props:
        config["DeadLetterConfig"] = {"TargetArn": props["DeadLetterQueue"].get("TargetArn")}
    for key in ("MemorySize", "Timeout"):
        if key in config:
            config[key] = int(config[key])
    return config


class Function:
    @staticmethod
    def create(ctx: Context, lid: str, props: dict[str, Any]) -> tuple[str, Attributes]:
        name = ctx.name(props, "FunctionName", lid)
        data = package(ctx, props["Code"], lid)
        params = {"FunctionName": name, **_function_config(ctx, lid, props), "Code": {"ZipFile": data}}
        if props.get("Architectures"):
            params["Architectures"] = props["Architectures"]
        try:
            ctx.plane.call("CreateFunction", params)
        except errors.ResourceConflictException:  # left by a deploy that failed before recording it: adopt it
            return Function.update(ctx, lid, props, {"physical_id": name, "attributes": {}})
        return name, Function._after(ctx, lid, name, props, {})

    @staticmethod
    def update(ctx: Context, lid: str, props: dict[str, Any], old: dict[str, Any]) -> tuple[str, Attributes]:
        name = ctx.name(props, "FunctionName", lid)
        if name != old["physical_id"]:
            return Function.create(ctx, lid, props)  # a new name replaces the function (the old one is deleted after)
        data = package(ctx, props["Code"], lid)
        current = wait_settled(ctx.plane, name)
        if current.get("CodeSha256") != code_sha(data):
            ctx.plane.call("UpdateFunctionCode", {"FunctionName": name, "ZipFile": data})
            current = wait_settled(ctx.plane, name)
        wanted = _function_config(ctx, lid, props)
        have = {**current, "Layers": [layer["Arn"] for layer in current.get("Layers", [])],
                "Environment": {"Variables": (current.get("Environment") or {}).get("Variables", {})}}
        if any(have.get(key) != value for key, value in wanted.items()):
            ctx.plane.call("UpdateFunctionConfiguration", {"FunctionName": name, **wanted})
            wait_settled(ctx.plane, name)
        return name, Function._after(ctx, lid, name, props, old.get("attributes") or {})

    @staticmethod
    def _after(ctx: Context, lid: str, name: str, props: dict[str, Any], old: Attributes) -> Attributes:
        """Concurrency and AutoPublishAlias, once the function has settled."""
        wait_settled(ctx.plane, name)
        reserved = props.get("ReservedConcurrentExecutions")
        if reserved is not None:
            ctx.plane.call("PutFunctionConcurrency", {"FunctionName": name, "ReservedConcurrentExecutions": int(reserved)})
        elif old.get("Reserved") is not None:
            ctx.plane.call("DeleteFunctionConcurrency", {"FunctionName": name})
        arn = f"arn:aws:lambda:{ctx.region}:{ctx.account}:function:{name}"
        attributes: Attributes = {"Ref": name, "Arn": arn, "Reserved": reserved}
        alias = props.get("AutoPublishAlias")
        if old.get("Provisioned") and old["Provisioned"] != alias:  # the alias it was on is going
            _ignore_missing(ctx.plane, "DeleteProvisionedConcurrencyConfig", {"FunctionName": name, "Qualifier": old["Provisioned"]})
        if alias:
            version = ctx.plane.call("PublishVersion", {"FunctionName": name})["Version"]  # unchanged code+config: the same version
            _put_alias(ctx.plane, name, alias, {"FunctionVersion": version}, props.get("ProvisionedConcurrencyConfig"),
                       old.get("Provisioned") == alias)
            attributes.update(Alias=f"{arn}:{alias}", Version=version,
                              Provisioned=alias if props.get("ProvisionedConcurrencyConfig") else None)
        return attributes

    @staticmethod
    def delete(ctx: Context, record: dict[str, Any]) -> None:
        _ignore_missing(ctx.plane, "DeleteFunction", {"FunctionName": record["physical_id"]})


def _put_alias(plane: Any, function: str, alias: str, settings: dict[str, Any], provisioned: dict[str, Any] | None,
               had_provisioned: bool) -> dict[str, Any]:
    """Create or update ``alias``, then put or delete its provisioned concurrency."""
    params = {"FunctionName": function, "Name": alias, **settings}
    try:
        result = plane.call("UpdateAlias", params)
    except errors.ResourceNotFoundException:
        result = plane.call("CreateAlias", params)
    if provisioned:
        wanted = int(provisioned["ProvisionedConcurrentExecutions"])
        try:
            current = plane.call("GetProvisionedConcurrencyConfig", {"FunctionName": function, "Qualifier": alias})
        except errors.ServiceError:
            current = {}
        if current.get("RequestedProvisionedConcurrentExecutions") != wanted:
            plane.call("PutProvisionedConcurrencyConfig", {"FunctionName": function, "Qualifier": alias,
                                                           "ProvisionedConcurrentExecutions": wanted})
    elif had_provisioned:
        _ignore_missing(plane, "DeleteProvisionedConcurrencyConfig", {"FunctionName": function, "Qualifier": alias})
    return result


class Version:
    """``AWS::Lambda::Version``: a version published from the function as it is (replaced when its properties change)."""

    @staticmethod
    def create(ctx: Context, lid: str, props: dict[str, Any]) -> tuple[str, Attributes]:
        function = str(props["FunctionName"])
        wait_settled(ctx.plane, function)
        params = {"FunctionName": function, **({"Description": props["Description"]} if props.get("Description") else {})}
        result = ctx.plane.call("PublishVersion", params)
        provisioned = props.get("ProvisionedConcurrencyConfig")
        if provisioned:
            ctx.plane.call("PutProvisionedConcurrencyConfig", {"FunctionName": function, "Qualifier": result["Version"],
                                                               "ProvisionedConcurrentExecutions": int(provisioned["ProvisionedConcurrentExecutions"])})
        return result["FunctionArn"], {"Ref": result["FunctionArn"], "Version": result["Version"], "FunctionArn": result["FunctionArn"]}

    update = None

    @staticmethod
    def delete(ctx: Context, record: dict[str, Any]) -> None:
        function, version = record["physical_id"].rsplit(":", 1)
        try:
            _ignore_missing(ctx.plane, "DeleteFunction", {"FunctionName": function, "Qualifier": version})
        except errors.ResourceConflictException:
            pass  # an alias outside this stack still points at it: it stays, as a retained version does


class Alias:
    """``AWS::Lambda::Alias``, with its ``ProvisionedConcurrencyConfig``; updated in place."""

    @staticmethod
    def create(ctx: Context, lid: str, props: dict[str, Any]) -> tuple[str, Attributes]:
        return Alias.update(ctx, lid, props, {"attributes": {}})

    @staticmethod
    def update(ctx: Context, lid: str, props: dict[str, Any], old: dict[str, Any]) -> tuple[str, Attributes]:
        function, name = str(props["FunctionName"]), str(props["Name"])
        if old.get("physical_id") and old["physical_id"] != _alias_arn(ctx, function, name):
            Alias.delete(ctx, old)
        settings = {"FunctionVersion": str(props["FunctionVersion"]), "Description": props.get("Description", ""),
                    "RoutingConfig": props.get("RoutingConfig") or {"AdditionalVersionWeights": {}}}
        provisioned = props.get("ProvisionedConcurrencyConfig")
        result = _put_alias(ctx.plane, function, name, settings, provisioned, bool(old["attributes"].get("Provisioned")))
        return result["AliasArn"], {"Ref": result["AliasArn"], "Provisioned": bool(provisioned)}

    @staticmethod
    def delete(ctx: Context, record: dict[str, Any]) -> None:
        function, name = record["physical_id"].split(":")[-2:]
        _ignore_missing(ctx.plane, "DeleteAlias", {"FunctionName": function, "Name": name})


def _alias_arn(ctx: Context, function: str, name: str) -> str:
    base = function if function.startswith("arn:") else f"arn:aws:lambda:{ctx.region}:{ctx.account}:function:{function}"
    return f"{base}:{name}"


EVENT_INVOKE_KEYS = ("MaximumEventAgeInSeconds", "MaximumRetryAttempts", "DestinationConfig")


class EventInvokeConfig:
    """``AWS::Lambda::EventInvokeConfig``: put (which replaces the whole configuration) and deleted."""

    @staticmethod
    def create(ctx: Context, lid: str, props: dict[str, Any]) -> tuple[str, Attributes]:
        function, qualifier = str(props["FunctionName"]), str(props.get("Qualifier") or "$LATEST")
        params = {key: props[key] for key in EVENT_INVOKE_KEYS if key in props}
        for key in ("MaximumEventAgeInSeconds", "MaximumRetryAttempts"):
            if key in params:
                params[key] = int(params[key])
        ctx.plane.call("PutFunctionEventInvokeConfig", {"FunctionName": function, "Qualifier": qualifier, **params})
        return f"{function}|{qualifier}", {"Ref": f"{function}|{qualifier}"}

    @staticmethod
    def update(ctx: Context, lid: str, props: dict[str, Any], old: dict[str, Any]) -> tuple[str, Attributes]:
        physical, attributes = EventInvokeConfig.create(ctx, lid, props)
        if physical != old["physical_id"]:
            EventInvokeConfig.delete(ctx, old)
        return physical, attributes

    @staticmethod
    def delete(ctx: Context, record: dict[str, Any]) -> None:
        function, qualifier = record["physical_id"].split("|", 1)
        _ignore_missing(ctx.plane, "DeleteFunctionEventInvokeConfig", {"FunctionName": function, "Qualifier": qualifier})


class LayerVersion:
    @staticmethod
    def create(ctx: Context, lid: str, props: dict[str, Any]) -> tuple[str, Attributes]:
        data = package(ctx, props["Content"], lid)
        params = {key: props[key] for key in ("LayerName", "Description", "CompatibleRuntimes", "CompatibleArchitectures")
                  if props.get(key) is not None}
        params.setdefault("LayerName", lid)
        result = ctx.plane.call("PublishLayerVersion", {**params, "Content": {"ZipFile": data}})
        return result["LayerVersionArn"], {"Ref": result["LayerVersionArn"]}

    update = None  # a new layer version replaces the old one

    @staticmethod
    def delete(ctx: Context, record: dict[str, Any]) -> None:
        arn = record["physical_id"]
        name, version = arn.split(":")[-2:]
        _ignore_missing(ctx.plane, "DeleteLayerVersion", {"LayerName": name, "VersionNumber": int(version)})


class Permission:
    @staticmethod
    def create(ctx: Context, lid: str, props: dict[str, Any]) -> tuple[str, Attributes]:
        function = str(props["FunctionName"])
        params = {"FunctionName": function, "StatementId": lid, "Action": props["Action"], "Principal": props["Principal"]}
        for key in ("SourceArn", "SourceAccount", "FunctionUrlAuthType", "EventSourceToken", "PrincipalOrgID"):
            if props.get(key) is not None:
                params[key] = props[key]
        try:
            ctx.plane.call("AddPermission", params)
        except errors.ResourceConflictException:  # left by a deploy that failed before recording it
            ctx.plane.call("RemovePermission", {"FunctionName": function, "StatementId": lid})
            ctx.plane.call("AddPermission", params)
        return f"{function}|{lid}", {"Ref": lid}

    update = None

    @staticmethod
    def delete(ctx: Context, record: dict[str, Any]) -> None:
        function, statement = record["physical_id"].split("|", 1)
        _ignore_missing(ctx.plane, "RemovePermission", {"FunctionName": function, "StatementId": statement})


MAPPING_KEYS = ("FunctionName", "EventSourceArn", "BatchSize", "Enabled", "MaximumBatchingWindowInSeconds",
                "StartingPosition", "FilterCriteria", "FunctionResponseTypes", "ScalingConfig", "BisectBatchOnFunctionError",
                "MaximumRetryAttempts", "MaximumRecordAgeInSeconds", "ParallelizationFactor", "DestinationConfig",
                "TumblingWindowInSeconds")  # fmt: skip


class EventSourceMapping:
    @staticmethod
    def create(ctx: Context, lid: str, props: dict[str, Any]) -> tuple[str, Attributes]:
        params = {key: props[key] for key in MAPPING_KEYS if key in props}
        if "FilterCriteria" in params and isinstance(params["FilterCriteria"].get("Filters"), list):
            params["FilterCriteria"] = {"Filters": [{"Pattern": f["Pattern"] if isinstance(f["Pattern"], str) else json.dumps(f["Pattern"])}
                                                    for f in params["FilterCriteria"]["Filters"]]}
        uuid = ctx.plane.call("CreateEventSourceMapping", params)["UUID"]
        return uuid, {"Ref": uuid}

    update = None

    @staticmethod
    def delete(ctx: Context, record: dict[str, Any]) -> None:
        _ignore_missing(ctx.plane, "DeleteEventSourceMapping", {"UUID": record["physical_id"]})


class Url:
    @staticmethod
    def create(ctx: Context, lid: str, props: dict[str, Any]) -> tuple[str, Attributes]:
        target = str(props["TargetFunctionArn"])
        params = {"FunctionName": target, "AuthType": props.get("AuthType", "AWS_IAM")}
        for key in ("Cors", "InvokeMode", "Qualifier"):
            if key in props:
                params[key] = props[key]
        try:
            result = ctx.plane.call("CreateFunctionUrlConfig", params)
        except errors.ResourceConflictException:
            result = ctx.plane.call("UpdateFunctionUrlConfig", params)
        return target, {"Ref": target, "FunctionUrl": result["FunctionUrl"], "FunctionArn": result["FunctionArn"]}

    update = None

    @staticmethod
    def delete(ctx: Context, record: dict[str, Any]) -> None:
        _ignore_missing(ctx.plane, "DeleteFunctionUrlConfig", {"FunctionName": record["physical_id"]})


# ---------------------------------------------------------------- the other services


QUEUE_ATTRIBUTES = ("DelaySeconds", "MaximumMessageSize", "MessageRetentionPeriod", "ReceiveMessageWaitTimeSeconds",
                    "VisibilityTimeout", "RedrivePolicy", "RedriveAllowPolicy", "FifoQueue", "ContentBasedDeduplication")  # fmt: skip


class Queue:
    @staticmethod
    def create(ctx: Context, lid: str, props: dict[str, Any]) -> tuple[str, Attributes]:
        name = ctx.name(props, "QueueName", lid, 80)
        if props.get("FifoQueue") and not name.endswith(".fifo"):
            name = f"{name[:75]}.fifo"
        attributes = {key: (json.dumps(props[key]) if isinstance(props[key], dict) else str(props[key]).lower()
                            if isinstance(props[key], bool) else str(props[key]))
                      for key in QUEUE_ATTRIBUTES if key in props}
        url = ctx.plane.call("sqs:CreateQueue", {"QueueName": name, **({"Attributes": attributes} if attributes else {})})["QueueUrl"]
        arn = f"arn:aws:sqs:{ctx.region}:{ctx.account}:{name}"
        return url, {"Ref": url, "Arn": arn, "QueueName": name, "QueueUrl": url}

    update = None

    @staticmethod
    def delete(ctx: Context, record: dict[str, Any]) -> None:
        _ignore_missing(ctx.plane, "sqs:DeleteQueue", {"QueueUrl": record["physical_id"]})


def _notification(config: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation's ``NotificationConfiguration`` as S3's API takes it."""
    def one(item: dict[str, Any], arn_key: str, target: str) -> dict[str, Any]:
        out = {arn_key: item[target], "Events": [item["Event"]]}
        rules = ((item.get("Filter") or {}).get("S3Key") or {}).get("Rules")
        if rules:
            out["Filter"] = {"Key": {"FilterRules": rules}}
        return out

    return {
        "LambdaFunctionConfigurations": [one(c, "LambdaFunctionArn", "Function") for c in config.get("LambdaConfigurations", [])],
        "QueueConfigurations": [one(c, "QueueArn", "Queue") for c in config.get("QueueConfigurations", [])],
    }


class Bucket:
    @staticmethod
    def create(ctx: Context, lid: str, props: dict[str, Any]) -> tuple[str, Attributes]:
        name = ctx.name(props, "BucketName", lid).lower()
        try:
            ctx.plane.call("s3:CreateBucket", {"Bucket": name})
        except errors.ServiceError as exc:
            if exc.code != "BucketAlreadyOwnedByYou":
                raise
        return Bucket.update(ctx, lid, props, {"physical_id": name})

    @staticmethod
    def update(ctx: Context, lid: str, props: dict[str, Any], old: dict[str, Any]) -> tuple[str, Attributes]:
        name = ctx.name(props, "BucketName", lid).lower()
        if name != old["physical_id"]:
            return Bucket.create(ctx, lid, props)
        config = _notification(props.get("NotificationConfiguration") or {})
        ctx.plane.call("s3:PutBucketNotificationConfiguration", {"Bucket": name, "NotificationConfiguration": config})
        return name, {"Ref": name, "Arn": f"arn:aws:s3:::{name}", "DomainName": f"{name}.s3.amazonaws.com"}

    @staticmethod
    def delete(ctx: Context, record: dict[str, Any]) -> None:
        _ignore_missing(ctx.plane, "s3:DeleteBucket", {"Bucket": record["physical_id"]})


class Rule:
    @staticmethod
    def create(ctx: Context, lid: str, props: dict[str, Any]) -> tuple[str, Attributes]:
        name = ctx.name(props, "Name", lid)
        params = {"Name": name, "State": props.get("State", "ENABLED")}
        for key in ("ScheduleExpression", "EventBusName", "Description"):
            if key in props:
                params[key] = props[key]
        if "EventPattern" in props:
            params["EventPattern"] = props["EventPattern"] if isinstance(props["EventPattern"], str) else json.dumps(props["EventPattern"])
        arn = ctx.plane.call("events:PutRule", params)["RuleArn"]
        targets = [{key: value for key, value in target.items()} for target in props.get("Targets", [])]
        if targets:
            bus = {"EventBusName": props["EventBusName"]} if "EventBusName" in props else {}
            ctx.plane.call("events:PutTargets", {"Rule": name, "Targets": targets, **bus})
        return f"{props.get('EventBusName', 'default')}|{name}", {"Ref": name, "Arn": arn}

    update = None

    @staticmethod
    def delete(ctx: Context, record: dict[str, Any]) -> None:
        bus, name = record["physical_id"].split("|", 1)
        params = {"Name": name, **({"EventBusName": bus} if bus != "default" else {})}
        try:
            ids = [t["Id"] for t in ctx.plane.call("events:ListTargetsByRule", {"Rule": name, **({"EventBusName": bus} if bus != "default" else {})}).get("Targets", [])]
            if ids:
                ctx.plane.call("events:RemoveTargets", {"Rule": name, "Ids": ids, **({"EventBusName": bus} if bus != "default" else {})})
            ctx.plane.call("events:DeleteRule", params)
        except errors.ServiceError as exc:
            if exc.code != "ResourceNotFoundException":
                raise


class Schedule:
    @staticmethod
    def create(ctx: Context, lid: str, props: dict[str, Any]) -> tuple[str, Attributes]:
        name = ctx.name(props, "Name", lid)
        params = {key: value for key, value in props.items() if key != "Name"}
        result = ctx.plane.call("scheduler:CreateSchedule", {"Name": name, **params})
        return f"{props.get('GroupName', 'default')}|{name}", {"Ref": name, "Arn": result["ScheduleArn"]}

    update = None

    @staticmethod
    def delete(ctx: Context, record: dict[str, Any]) -> None:
        group, name = record["physical_id"].split("|", 1)
        _ignore_missing(ctx.plane, "scheduler:DeleteSchedule", {"Name": name, "GroupName": group})


class Stream:
    @staticmethod
    def create(ctx: Context, lid: str, props: dict[str, Any]) -> tuple[str, Attributes]:
        name = ctx.name(props, "Name", lid, 128)
        ctx.plane.call("kinesis:CreateStream", {"StreamName": name, "ShardCount": int(props.get("ShardCount", 1))})
        return name, {"Ref": name, "Arn": f"arn:aws:kinesis:{ctx.region}:{ctx.account}:stream/{name}"}

    update = None

    @staticmethod
    def delete(ctx: Context, record: dict[str, Any]) -> None:
        _ignore_missing(ctx.plane, "kinesis:DeleteStream", {"StreamName": record["physical_id"]})


def _invocation_uri(ctx: Context, function_arn: str) -> str:
    return f"arn:aws:apigateway:{ctx.region}:lambda:path/2015-03-31/functions/{function_arn}/invocations"


def _route_authorizer(route: dict[str, Any], auth: dict[str, Any], ids: dict[str, str]) -> str | None:
    """The authorizer id a route uses: its event's ``Auth.Authorizer``, else the API's ``DefaultAuthorizer``."""
    name = route.get("Authorizer") or auth.get("DefaultAuthorizer")
    if not name or name in ("NONE", "AWS_IAM"):
        return None
    if name not in ids:
        raise TemplateError(f"Authorizer {name} is not defined in the API's Auth.Authorizers")
    return ids[name]


class HttpApi:
    """An HTTP API: SAM's implicit ``ServerlessHttpApi`` or an ``AWS::Serverless::HttpApi`` (one Lambda proxy route per
    ``HttpApi`` event, its Lambda authorizers, a stage deploying automatically), or a plain ``AWS::ApiGatewayV2::Api``."""

    @staticmethod
    def create(ctx: Context, lid: str, props: dict[str, Any]) -> tuple[str, Attributes]:
        base = {key: props[key] for key in ("Name", "ProtocolType", "Description", "CorsConfiguration", "Target", "RouteKey")
                if key in props}
        base.setdefault("ProtocolType", "HTTP")
        api = ctx.plane.call("apigatewayv2:CreateApi", base)
        api_id = api["ApiId"]
        auth = props.get("__Auth") or {}
        ids = {}
        for name, spec in (auth.get("Authorizers") or {}).items():
            identity = (spec.get("Identity") or {}).get("Headers") or []
            ids[name] = ctx.plane.call("apigatewayv2:CreateAuthorizer", {
                "ApiId": api_id, "Name": name, "AuthorizerType": "REQUEST", "AuthorizerUri": _invocation_uri(ctx, spec["FunctionArn"]),
                "AuthorizerPayloadFormatVersion": str(spec.get("AuthorizerPayloadFormatVersion", "2.0")),
                "EnableSimpleResponses": bool(spec.get("EnableSimpleResponses", False)),
                "IdentitySource": [f"$request.header.{header}" for header in identity],
                "AuthorizerResultTtlInSeconds": int((spec.get("Identity") or {}).get("ReauthorizeEvery", 0))})["AuthorizerId"]
        for route in props.get("__Routes", []):
            integration = ctx.plane.call("apigatewayv2:CreateIntegration", {
                "ApiId": api_id, "IntegrationType": "AWS_PROXY", "IntegrationUri": route["FunctionArn"],
                "PayloadFormatVersion": "2.0"})
            key = "$default" if not route.get("Path") else f"{route['Method']} {route['Path']}"
            params = {"ApiId": api_id, "RouteKey": key, "Target": f"integrations/{integration['IntegrationId']}"}
            authorizer = _route_authorizer(route, auth, ids)
            if authorizer:
                params.update(AuthorizationType="CUSTOM", AuthorizerId=authorizer)
            ctx.plane.call("apigatewayv2:CreateRoute", params)
        if props.get("__Routes") or "__Stage" in props:
            stage = {"ApiId": api_id, "StageName": props.get("__Stage", "$default"), "AutoDeploy": True}
            if props.get("__StageVariables"):
                stage["StageVariables"] = props["__StageVariables"]
            ctx.plane.call("apigatewayv2:CreateStage", stage)
        return api_id, {"Ref": api_id, "ApiEndpoint": api["ApiEndpoint"], "ApiId": api_id}

    update = None

    @staticmethod
    def delete(ctx: Context, record: dict[str, Any]) -> None:
        _ignore_missing(ctx.plane, "apigatewayv2:DeleteApi", {"ApiId": record["physical_id"]})


class RestApi:
    """A REST API: SAM's implicit ``ServerlessRestApi`` (stage ``Prod``) or an ``AWS::Serverless::Api`` (its
    ``StageName``): a resource per path segment, a Lambda proxy method per ``Api`` event, TOKEN/REQUEST
    Lambda authorizers from ``Auth``; or a plain ``AWS::ApiGateway::RestApi`` (its parts are resources of their own)."""

    @staticmethod
    def create(ctx: Context, lid: str, props: dict[str, Any]) -> tuple[str, Attributes]:
        api_id = ctx.plane.call("apigateway:CreateRestApi", {"name": str(props.get("Name") or lid)})["id"]
        try:
            return api_id, RestApi._fill(ctx, api_id, props)
        except errors.LambdactlError:  # never half an API left behind, unrecorded
            RestApi.delete(ctx, {"physical_id": api_id})
            raise

    @staticmethod
    def _fill(ctx: Context, api_id: str, props: dict[str, Any]) -> Attributes:
        resources = {r["path"]: r["id"] for r in ctx.plane.call("apigateway:GetResources", {"restApiId": api_id})["items"]}
        auth = props.get("__Auth") or {}
        ids = {}
        for name, spec in (auth.get("Authorizers") or {}).items():
            kind = str(spec.get("FunctionPayloadType", "TOKEN")).upper()
            identity = spec.get("Identity") or {}
            params = {"restApiId": api_id, "name": name, "type": kind, "authorizerUri": _invocation_uri(ctx, spec["FunctionArn"]),
                      "authorizerResultTtlInSeconds": int(identity.get("ReauthorizeEvery", 300))}
            if kind == "TOKEN":
                params["identitySource"] = f"method.request.header.{identity.get('Header', 'Authorization')}"
                if identity.get("ValidationExpression"):
                    params["identityValidationExpression"] = identity["ValidationExpression"]
            else:
                sources = [f"method.request.header.{h}" for h in identity.get("Headers") or []] + [
                    f"method.request.querystring.{q}" for q in identity.get("QueryStrings") or []]
                if sources:
                    params["identitySource"] = ", ".join(sources)
            ids[name] = ctx.plane.call("apigateway:CreateAuthorizer", params)["id"]
        methods: dict[str, set[str]] = {}  # a resource id -> its methods
        for route in props.get("__Routes", []):
            path = "/" + str(route["Path"]).strip("/")
            parent = resources["/"]
            for depth, part in enumerate(path.strip("/").split("/") if path != "/" else []):
                sub = "/" + "/".join(path.strip("/").split("/")[: depth + 1])
                if sub not in resources:
                    resources[sub] = ctx.plane.call("apigateway:CreateResource", {
                        "restApiId": api_id, "parentId": parent, "pathPart": part})["id"]
                parent = resources[sub]
            method = "ANY" if route["Method"] in ("ANY", "X-AMAZON-APIGATEWAY-ANY-METHOD") else route["Method"]
            methods.setdefault(parent, set()).add(method)
            authorizer = _route_authorizer(route, auth, ids)
            ctx.plane.call("apigateway:PutMethod", {"restApiId": api_id, "resourceId": parent, "httpMethod": method,
                                                   "authorizationType": "CUSTOM" if authorizer else "NONE",
                                                   **({"authorizerId": authorizer} if authorizer else {})})
            ctx.plane.call("apigateway:PutIntegration", {"restApiId": api_id, "resourceId": parent, "httpMethod": method,
                                                        "type": "AWS_PROXY", "integrationHttpMethod": "POST",
                                                        "uri": _invocation_uri(ctx, route["FunctionArn"])})
        if props.get("__Cors"):  # as SAM: unless the path has its own OPTIONS, with the DefaultAuthorizer unless told not to
            preflight = {"Authorizer": None if auth.get("AddDefaultAuthorizerToCorsPreflight", True) is not False else "NONE"}
            for resource_id, has in methods.items():
                if "OPTIONS" not in has:
                    Method.create(ctx, "", cors_preflight(api_id, resource_id, has, props["__Cors"], _route_authorizer(preflight, auth, ids)))
        if props.get("__Routes") or "__Stage" in props:
            ctx.plane.call("apigateway:CreateDeployment", {"restApiId": api_id, "stageName": props.get("__Stage", "Prod"),
                                                           **({"variables": props["__StageVariables"]} if props.get("__StageVariables") else {})})
        return {"Ref": api_id, "RootResourceId": resources["/"]}

    update = None

    @staticmethod
    def delete(ctx: Context, record: dict[str, Any]) -> None:
        _ignore_missing(ctx.plane, "apigateway:DeleteRestApi", {"restApiId": record["physical_id"]})


CORS_METHODS = ("OPTIONS", "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH")  # what SAM allows for an ANY method


def cors_preflight(api: Any, resource: Any, methods: set[str], cors: dict[str, Any], authorizer: Any) -> dict[str, Any]:
    """SAM's CORS preflight on one path (its swagger editor's ``add_cors``) as ``AWS::ApiGateway::Method`` properties:
    ``OPTIONS`` with a MOCK integration answering 200 with the ``Access-Control-*`` headers; ``AllowMethods`` defaults
    to the path's methods and OPTIONS (every method for ``ANY``). The functions' own responses get no header from
    it: Lambda proxy responses pass as they are, as on AWS."""
    allow_methods = cors.get("AllowMethods") or "'{}'".format(",".join(sorted(set(CORS_METHODS) if "ANY" in methods else methods | {"OPTIONS"})))
    headers = {"Access-Control-Allow-Origin": cors["AllowOrigin"], "Access-Control-Allow-Headers": cors.get("AllowHeaders"),
               "Access-Control-Allow-Methods": allow_methods, "Access-Control-Max-Age": cors.get("MaxAge"),
               "Access-Control-Allow-Credentials": "'true'" if cors.get("AllowCredentials") is True else None}
    parameters = {f"method.response.header.{name}": str(value) for name, value in headers.items() if value not in (None, "")}
    return {"RestApiId": api, "ResourceId": resource, "HttpMethod": "OPTIONS",
            "AuthorizationType": "CUSTOM" if authorizer else "NONE", **({"AuthorizerId": authorizer} if authorizer else {}),
            "Integration": {"Type": "MOCK", "RequestTemplates": {"application/json": '{\n  "statusCode" : 200\n}\n'},
                            "IntegrationResponses": [{"StatusCode": "200", "ResponseParameters": parameters,
                                                      "ResponseTemplates": {"application/json": "{}\n"}}]},
            "MethodResponses": [{"StatusCode": "200", "ResponseParameters": {name: False for name in parameters}}]}


def _child_resource(create_op: str, delete_op: str | None, keys: tuple[str, ...], id_key: str, parent: str,
                    delete_key: str, camel: bool = False, extra: dict[str, Any] | None = None) -> type:
    """A handler for a resource that lives inside an API (route, integration, stage, method...): created
    with ``create_op`` from ``keys`` of its properties, replaced when they change, deleted with ``delete_op``
    (None: it goes with its API, as a REST deployment does here, there being no DeleteDeployment)."""

    def name(key: str) -> str:
        return key[:1].lower() + key[1:] if camel else key

    class Child:
        @staticmethod
        def create(ctx: Context, lid: str, props: dict[str, Any]) -> tuple[str, Attributes]:
            params = {**(extra or {}), **{name(key): props[key] for key in keys if key in props}}
            result = ctx.plane.call(create_op, params)
            own = str(result.get(id_key) or params.get(name(delete_key)))
            return f"{props[parent]}|{own}", {"Ref": own, id_key: own}

        update = None

        @staticmethod
        def delete(ctx: Context, record: dict[str, Any]) -> None:
            api, own = record["physical_id"].split("|", 1)
            if delete_op:
                _ignore_missing(ctx.plane, delete_op, {name(parent): api, name(delete_key): own})

    return Child


class Method:
    """``AWS::ApiGateway::Method`` with its ``Integration``: a Lambda proxy, or a MOCK answered from its
    ``IntegrationResponses`` (with the ``MethodResponses`` declaring their headers), as SAM's CORS preflights are."""

    @staticmethod
    def create(ctx: Context, lid: str, props: dict[str, Any]) -> tuple[str, Attributes]:
        api, resource, method = str(props["RestApiId"]), str(props["ResourceId"]), str(props["HttpMethod"]).upper()
        target = {"restApiId": api, "resourceId": resource, "httpMethod": method}
        params = {**target, "authorizationType": props.get("AuthorizationType", "NONE")}
        if props.get("AuthorizerId"):
            params["authorizerId"] = props["AuthorizerId"]
        ctx.plane.call("apigateway:PutMethod", params)
        integration = props.get("Integration") or {}
        if integration:
            ctx.plane.call("apigateway:PutIntegration", {
                **target, "type": integration.get("Type"), "integrationHttpMethod": integration.get("IntegrationHttpMethod"),
                "uri": integration.get("Uri"), **_present(integration, requestTemplates="RequestTemplates")})
        for response in props.get("MethodResponses") or []:
            ctx.plane.call("apigateway:PutMethodResponse", {**target, "statusCode": str(response["StatusCode"]), **_present(
                response, responseParameters="ResponseParameters", responseModels="ResponseModels")})
        for response in integration.get("IntegrationResponses") or []:
            ctx.plane.call("apigateway:PutIntegrationResponse", {**target, "statusCode": str(response["StatusCode"]), **_present(
                response, selectionPattern="SelectionPattern", responseParameters="ResponseParameters",
                responseTemplates="ResponseTemplates")})
        return f"{api}|{resource}|{method}", {"Ref": f"{api}|{resource}|{method}"}

    update = None

    @staticmethod
    def delete(ctx: Context, record: dict[str, Any]) -> None:
        api, resource, method = record["physical_id"].split("|")
        _ignore_missing(ctx.plane, "apigateway:DeleteMethod", {"restApiId": api, "resourceId": resource, "httpMethod": method})


def _present(props: dict[str, Any], **names: str) -> dict[str, Any]:
    """The API's parameters (``names``: parameter -> property) for the properties ``props`` has."""
    return {param: props[prop] for param, prop in names.items() if props.get(prop) is not None}


class Table:
    """An ``AWS::DynamoDB::Table`` with a stream: there is no DynamoDB here, but its stream is (the embedded one that
    ``dynamodbstreams put-record`` feeds), so ``DynamoDB`` events on ``!GetAtt Table.StreamArn`` run for real.
    Deleting it leaves the stream and its records readable, as AWS keeps a deleted table's stream for 24 hours."""

    @staticmethod
    def create(ctx: Context, lid: str, props: dict[str, Any]) -> tuple[str, Attributes]:
        name = ctx.name(props, "TableName", lid, 255)
        view = (props.get("StreamSpecification") or {}).get("StreamViewType") or "NEW_AND_OLD_IMAGES"
        stream = ctx.plane.call("dynamodbstreams:EnableStream", {"TableName": name, "StreamViewType": view})["StreamArn"]
        return name, {"Ref": name, "Arn": f"arn:aws:dynamodb:{ctx.region}:{ctx.account}:table/{name}", "StreamArn": stream}

    update = None

    @staticmethod
    def delete(ctx: Context, record: dict[str, Any]) -> None:
        """Nothing to delete: the stream stays readable (see the class)."""


HANDLERS: dict[str, Any] = {
    "AWS::Lambda::Function": Function,
    "AWS::Lambda::LayerVersion": LayerVersion,
    "AWS::Lambda::Version": Version,
    "AWS::Lambda::Alias": Alias,
    "AWS::Lambda::EventInvokeConfig": EventInvokeConfig,
    "AWS::Lambda::Permission": Permission,
    "AWS::Lambda::EventSourceMapping": EventSourceMapping,
    "AWS::Lambda::Url": Url,
    "AWS::SQS::Queue": Queue,
    "AWS::S3::Bucket": Bucket,
    "AWS::Events::Rule": Rule,
    "AWS::Scheduler::Schedule": Schedule,
    "AWS::Kinesis::Stream": Stream,
    "AWS::DynamoDB::Table": Table,
    "AWS::ApiGatewayV2::Api": HttpApi,
    "AWS::ApiGateway::RestApi": RestApi,
    "AWS::ApiGateway::Resource": _child_resource("apigateway:CreateResource", "apigateway:DeleteResource",
                                                 ("RestApiId", "ParentId", "PathPart"), "id", "RestApiId", "ResourceId", True),
    "AWS::ApiGateway::Method": Method,
    "AWS::ApiGateway::Authorizer": _child_resource(
        "apigateway:CreateAuthorizer", "apigateway:DeleteAuthorizer",
        ("RestApiId", "Name", "Type", "AuthorizerUri", "IdentitySource", "IdentityValidationExpression",
         "AuthorizerResultTtlInSeconds"), "id", "RestApiId", "AuthorizerId", True),
    "AWS::ApiGateway::Deployment": _child_resource("apigateway:CreateDeployment", None,
                                                   ("RestApiId", "Description", "StageName"), "id", "RestApiId", "DeploymentId", True),
    "AWS::ApiGateway::Stage": _child_resource("apigateway:CreateStage", "apigateway:DeleteStage",
                                              ("RestApiId", "DeploymentId", "StageName", "Description", "Variables"),
                                              "stageName", "RestApiId", "StageName", True),
    "AWS::ApiGatewayV2::Integration": _child_resource(
        "apigatewayv2:CreateIntegration", "apigatewayv2:DeleteIntegration",
        ("ApiId", "IntegrationType", "IntegrationUri", "IntegrationMethod", "PayloadFormatVersion", "TimeoutInMillis"),
        "IntegrationId", "ApiId", "IntegrationId"),
    "AWS::ApiGatewayV2::Route": _child_resource("apigatewayv2:CreateRoute", "apigatewayv2:DeleteRoute",
                                                ("ApiId", "RouteKey", "Target", "AuthorizationType", "AuthorizerId"),
                                                "RouteId", "ApiId", "RouteId"),
    "AWS::ApiGatewayV2::Authorizer": _child_resource(
        "apigatewayv2:CreateAuthorizer", "apigatewayv2:DeleteAuthorizer",
        ("ApiId", "Name", "AuthorizerType", "AuthorizerUri", "AuthorizerPayloadFormatVersion", "EnableSimpleResponses",
         "IdentitySource", "AuthorizerResultTtlInSeconds"), "AuthorizerId", "ApiId", "AuthorizerId"),
    "AWS::ApiGatewayV2::Stage": _child_resource("apigatewayv2:CreateStage", "apigatewayv2:DeleteStage",
                                                ("ApiId", "StageName", "AutoDeploy", "StageVariables", "Description"),
                                                "StageName", "ApiId", "StageName"),
}


MISSING = ("ResourceNotFoundException", "NotFoundException", "NoSuchBucket", "QueueDoesNotExist",
           "AWS.SimpleQueueService.NonExistentQueue")


def _ignore_missing(plane: Any, op: str, params: dict[str, Any]) -> None:
    """Delete, tolerating what is already gone (a re-run after a half-applied delete converges)."""
    try:
        plane.call(op, params)
    except errors.ServiceError as exc:
        if exc.code not in MISSING:
            raise
