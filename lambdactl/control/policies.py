"""Resource-based policies on functions: AddPermission, RemovePermission, GetPolicy, the whole-document
Put/Get/DeleteResourcePolicy (the same stored policy, addressed by ARN), and ``may_invoke``, the one
check the embedded services (EventBridge, S3, API Gateway) make before invoking a function.

The statement helpers are shared with layer version policies (control/layers.py).
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Callable
from typing import Any

from lambdactl import errors
from lambdactl.control.aliases import load_alias, resolve
from lambdactl.plane import ControlPlane, operation
from lambdactl.control.records import LATEST, function_exists, new_revision, parse_target
from lambdactl.model import validate

NO_POLICY = "No policy is associated with the given resource."
# GetPolicy's one 404 for a missing function, version or policy (recorded: test_permission_exceptions
# get_policy_fn_doesnotexist / get_policy_fn_version_doesnotexist, test_remove_multi_permissions)
NO_RESOURCE = "The resource you requested does not exist."
STATEMENT_ID_PATTERN = r"([a-zA-Z0-9-_]+)"
ACTION_PATTERN = r"(lambda:[*]|lambda:[a-zA-Z]+|[*])"
_PATTERNS = {
    "statementId": STATEMENT_ID_PATTERN,
    "action": ACTION_PATTERN,
    "principal": r"[^\s]+",
    "sourceAccount": r"\d{12}",
    "principalOrgID": r"o-[a-z0-9]{10,32}",
    "eventSourceToken": r"[a-zA-Z0-9._\-]+",
}
_PARAMS = {
    "statementId": "StatementId",
    "action": "Action",
    "principal": "Principal",
    "sourceAccount": "SourceAccount",
    "principalOrgID": "PrincipalOrgID",
    "eventSourceToken": "EventSourceToken",
}


def check_pattern(value: str | None, field: str, pattern: str) -> None:
    if value is not None and not re.fullmatch(pattern, value):
        raise errors.validation_error(value, field, f"Member must satisfy regular expression pattern: {pattern}")


def principal(value: str, account_id: str) -> str | dict[str, str]:
    """A Principal parameter as the policy shows it: ``*``, an account's root, an IAM ARN or a service."""
    if value == "*":
        return "*"
    if re.fullmatch(r"\d{12}", value):
        return {"AWS": f"arn:aws:iam::{value}:root"}
    if value.startswith("arn:") or "." not in value:
        return {"AWS": value}
    return {"Service": value}


def add_statement(statements: list[dict[str, Any]], statement: dict[str, Any]) -> None:
    if any(existing.get("Sid") == statement["Sid"] for existing in statements):
        raise errors.ResourceConflictException(
            f"The statement id ({statement['Sid']}) provided already exists. Please provide a new statement id, "
            "or remove the existing statement."
        )
    statements.append(statement)


def remove_statement(statements: list[dict[str, Any]], sid: str) -> list[dict[str, Any]]:
    kept = [statement for statement in statements if statement.get("Sid") != sid]
    if len(kept) == len(statements):
        raise errors.ResourceNotFoundException(f"Statement {sid} is not found in resource policy.")
    return kept


def document(statements: list[dict[str, Any]]) -> str:
    """The policy document as Lambda returns it: compact JSON text."""
    return dumps({"Version": "2012-10-17", "Id": "default", "Statement": statements})


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _target(plane: ControlPlane, params: dict[str, Any], *, latest_message: str | None = None) -> tuple[str, str | None]:
    """(function name, qualifier or None); the function and the qualified version/alias must exist.
    With ``latest_message``, a $LATEST qualifier is refused with it (before looking anything up)."""
    ref, qualifier = parse_target(plane, params)
    if latest_message is not None and qualifier == LATEST:
        raise errors.InvalidParameterValueException(latest_message)
    if (qualifier not in (None, LATEST) and not qualifier.isdigit() and function_exists(plane, ref.name)
            and load_alias(plane, ref.name, qualifier) is None):
        # recorded: test_permission_exceptions add_permission_fn_alias_doesnotexist
        raise errors.ResourceNotFoundException(f"Cannot find alias arn: {plane.settings.function_arn(ref.name, qualifier)}")
    resolve(plane, ref.name, qualifier)
    return ref.name, qualifier


def _condition(params: dict[str, Any]) -> dict[str, dict[str, str]]:
    condition: dict[str, dict[str, str]] = {}
    equals = {
        "AWS:SourceAccount": params.get("SourceAccount"),
        "aws:PrincipalOrgID": params.get("PrincipalOrgID"),
        "lambda:EventSourceToken": params.get("EventSourceToken"),
        "lambda:FunctionUrlAuthType": params.get("FunctionUrlAuthType"),
    }
    if any(value is not None for value in equals.values()):
        condition["StringEquals"] = {key: value for key, value in equals.items() if value is not None}
    if params.get("SourceArn") is not None:
        condition["ArnLike"] = {"AWS:SourceArn": params["SourceArn"]}
    if params.get("InvokedViaFunctionUrl"):
        condition["Bool"] = {"lambda:InvokedViaFunctionUrl": "true"}
    return condition


def _check_revision(revision_id: str | None, current: str | None) -> None:
    if revision_id is not None and revision_id != current:
        raise errors.PreconditionFailedException(
            "The Revision Id provided does not match the latest Revision Id. "
            "Call the GetPolicy API to retrieve the latest Revision Id"
        )


@operation("AddPermission")
def add_permission(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    for field, pattern in _PATTERNS.items():
        check_pattern(params.get(_PARAMS[field]), field, pattern)
    validate.check_enum(params.get("FunctionUrlAuthType"), "functionUrlAuthType", ["NONE", "AWS_IAM"])
    name, qualifier = _target(plane, params, latest_message="We currently do not support adding policies for $LATEST.")
    statement: dict[str, Any] = {
        "Sid": params["StatementId"],
        "Effect": "Allow",
        "Principal": principal(params["Principal"], plane.settings.account_id),
        "Action": params["Action"],
        "Resource": plane.settings.function_arn(name, qualifier),
    }
    condition = _condition(params)
    if condition:
        statement["Condition"] = condition
    with plane.store.write() as conn:
        row = conn.execute(
            "SELECT statements, revision_id FROM policies WHERE function_name = ? AND qualifier = ?",
            (name, qualifier or ""),
        ).fetchone()
        statements = json.loads(row[0]) if row else []
        _check_revision(params.get("RevisionId"), row[1] if row else None)
        add_statement(statements, statement)
        conn.execute(
            "INSERT OR REPLACE INTO policies (function_name, qualifier, statements, revision_id) VALUES (?, ?, ?, ?)",
            (name, qualifier or "", json.dumps(statements), new_revision()),
        )
    return {"Statement": dumps(statement)}


@operation("GetPolicy")
def get_policy(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    return _stored_policy(plane, params, _target)


def _stored_policy(plane: ControlPlane, params: dict[str, Any],
                   target: Callable[[ControlPlane, dict[str, Any]], tuple[str, str | None]]) -> dict[str, Any]:
    """GetPolicy's and GetResourcePolicy's answer: the policy stored for ``target``'s function and qualifier;
    a missing function, qualifier or policy are all the same recorded not-found."""
    try:
        name, qualifier = target(plane, params)
    except errors.ResourceNotFoundException:
        raise errors.ResourceNotFoundException(NO_RESOURCE) from None
    row = plane.store.read_one(
        "SELECT statements, revision_id FROM policies WHERE function_name = ? AND qualifier = ?",
        (name, qualifier or ""),
    )
    if row is None:
        raise errors.ResourceNotFoundException(NO_RESOURCE)
    return {"Policy": document(json.loads(row["statements"])), "RevisionId": row["revision_id"]}


@operation("RemovePermission")
def remove_permission(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    check_pattern(params["StatementId"], "statementId", r"([a-zA-Z0-9-_.]+)")
    ref, _ = parse_target(plane, params)
    if not function_exists(plane, ref.name):  # recorded: test_permission_exceptions remove_permission_fn_doesnotexist
        raise errors.ResourceNotFoundException(f"No policy found for: {plane.settings.function_arn(ref.name)}")
    name, qualifier = _target(plane, params)
    with plane.store.write() as conn:
        row = conn.execute(
            "SELECT statements, revision_id FROM policies WHERE function_name = ? AND qualifier = ?",
            (name, qualifier or ""),
        ).fetchone()
        if row is None:
            raise errors.ResourceNotFoundException(NO_POLICY)
        _check_revision(params.get("RevisionId"), row[1])
        statements = remove_statement(json.loads(row[0]), params["StatementId"])
        if statements:
            conn.execute(
                "UPDATE policies SET statements = ?, revision_id = ? WHERE function_name = ? AND qualifier = ?",
                (json.dumps(statements), new_revision(), name, qualifier or ""),
            )
        else:
            conn.execute("DELETE FROM policies WHERE function_name = ? AND qualifier = ?", (name, qualifier or ""))
    return {}


POLICY_RESOURCE_PATTERN = (
    r"arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:"
    r"(function:[a-zA-Z0-9-_]+(:(\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_])+)?|runtime/[a-zA-Z0-9-_./]+)"
)  # the model's PolicyResourceArn
POLICY_LIMIT = 20480  # ResourcePolicy: 1..20480 characters


def _policy_target(plane: ControlPlane, params: dict[str, Any]) -> tuple[str, str | None]:
    """(function name, qualifier or None) of a ResourceArn; the function (and its version/alias) must exist."""
    arn = params["ResourceArn"]
    check_pattern(arn, "resourceArn", POLICY_RESOURCE_PATTERN)
    if ":runtime/" in arn:  # custom runtime resources: lambdactl keeps none
        raise errors.ResourceNotFoundException(NO_RESOURCE)
    return _target(plane, {"FunctionName": arn}, latest_message="We currently do not support adding policies for $LATEST.")


def _statements(policy: str) -> list[dict[str, Any]]:
    """The statements of a policy document given whole (one statement object or a list of them)."""
    if not 1 <= len(policy) <= POLICY_LIMIT:
        raise errors.validation_error(policy, "policy", f"Member must have length less than or equal to {POLICY_LIMIT}")
    try:
        parsed = json.loads(policy)
    except ValueError:
        raise errors.InvalidParameterValueException("The policy is not a valid JSON document.") from None
    statements = parsed.get("Statement") if isinstance(parsed, dict) else None
    if isinstance(statements, dict):
        statements = [statements]
    if not statements or not all(isinstance(item, dict) for item in statements):
        raise errors.InvalidParameterValueException("The policy must contain at least one statement.")
    return statements


@operation("PutResourcePolicy")
def put_resource_policy(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    """Replace the resource's whole policy (API reference: PutResourcePolicy; no AWS recording exists).
    It is the policy AddPermission edits and GetPolicy shows, so ``may_invoke`` honours it too."""
    statements = _statements(params["Policy"])
    name, qualifier = _policy_target(plane, params)
    revision = new_revision()
    with plane.store.write() as conn:
        row = conn.execute(
            "SELECT revision_id FROM policies WHERE function_name = ? AND qualifier = ?", (name, qualifier or "")
        ).fetchone()
        _check_revision(params.get("RevisionId"), row[0] if row else None)
        conn.execute(
            "INSERT OR REPLACE INTO policies (function_name, qualifier, statements, revision_id) VALUES (?, ?, ?, ?)",
            (name, qualifier or "", json.dumps(statements), revision),
        )
    return {"Policy": document(statements), "RevisionId": revision}


@operation("GetResourcePolicy")
def get_resource_policy(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    return _stored_policy(plane, params, _policy_target)


@operation("DeleteResourcePolicy")
def delete_resource_policy(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    name, qualifier = _policy_target(plane, params)
    with plane.store.write() as conn:
        row = conn.execute(
            "SELECT revision_id FROM policies WHERE function_name = ? AND qualifier = ?", (name, qualifier or "")
        ).fetchone()
        if row is None:
            raise errors.ResourceNotFoundException(NO_POLICY)
        _check_revision(params.get("RevisionId"), row[0])
        conn.execute("DELETE FROM policies WHERE function_name = ? AND qualifier = ?", (name, qualifier or ""))
    return {}


INVOKE_ACTIONS = ("lambda:InvokeFunction", "lambda:*", "*")


def may_invoke(plane: ControlPlane, function_name: str, qualifier: str | None, principal: str,
               source_arn: str | None = None, source_account: str | None = None) -> bool:
    """Whether the policy of ``function_name`` (at ``qualifier``: a policy is per version/alias, as in
    Lambda) lets the service ``principal`` invoke it for ``source_arn`` / ``source_account``.

    A statement allows when its action covers lambda:InvokeFunction, its principal is ``*`` or
    that service, and its conditions hold (``ArnLike``/``ArnEquals`` AWS:SourceArn with ``*``/``?``
    wildcards, ``StringEquals`` AWS:SourceAccount). A condition on a value the caller did not give fails.
    """
    row = plane.store.read_one(
        "SELECT statements FROM policies WHERE function_name = ? AND qualifier = ?", (function_name, qualifier or "")
    )
    return row is not None and any(
        _allows(statement, principal, source_arn, source_account) for statement in json.loads(row["statements"])
    )


def _listed(value: Any) -> list[Any]:
    """A policy element that may be one value or a list of them (a document given whole to PutResourcePolicy)."""
    return value if isinstance(value, list) else [value]


def _allows(statement: dict[str, Any], principal: str, source_arn: str | None, source_account: str | None) -> bool:
    granted = statement.get("Principal")
    if statement.get("Effect") != "Allow" or not set(_listed(statement.get("Action"))) & set(INVOKE_ACTIONS):
        return False
    if granted != "*" and not (isinstance(granted, dict) and principal in _listed(granted.get("Service"))):
        return False
    condition = statement.get("Condition") or {}
    for operator_name in ("ArnLike", "ArnEquals"):
        wanted = (condition.get(operator_name) or {}).get("AWS:SourceArn")
        if wanted is not None and (source_arn is None or not fnmatch.fnmatchcase(source_arn, wanted)):
            return False
    account = (condition.get("StringEquals") or {}).get("AWS:SourceAccount")
    return account is None or account == source_account
