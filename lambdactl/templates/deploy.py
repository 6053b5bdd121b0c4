"""Deploy a template onto the state directory as a stack: diff against what the stack recorded,
apply the difference in dependency order through the control plane, delete what the template dropped.

Each resource is recorded as soon as it is applied, so a deploy that fails half-way names what it
applied and a re-run converges. A resource whose resolved properties (and code) hash as recorded is
left alone: a second deploy of an unchanged template does nothing.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lambdactl import errors
from lambdactl.templates import envvars, loader, noop, properties, resolve, resources
from lambdactl.templates.loader import TemplateError
from lambdactl.templates.schema import MIGRATIONS


class DeployFailed(errors.LambdactlError):
    """A resource failed to apply (what was applied before it stays recorded), or CloudFormation would fail it
    (then nothing is applied): SAM CLI's ``Failed to create/update the stack`` line (exit 255)."""

    def __init__(self, stack: str, reason: str) -> None:
        super().__init__(f"Error: Failed to create/update the stack: {stack}, {reason}")


class ChangeSetFailed(TemplateError):
    """CloudFormation refused the template before any change: SAM CLI's ``Failed to create changeset`` line around
    CreateChangeSet's ValidationError, or around the failed change set's reason when SAM's transform refused it."""

    def __init__(self, stack: str, exc: TemplateError) -> None:
        if isinstance(exc, properties.TransformError):
            reason = ('ex: Waiter ChangeSetCreateComplete failed: Waiter encountered a terminal failure state: For expression '
                      f'"Status" we matched expected path: "FAILED" Status: FAILED. Reason: Transform {resolve.SAM_TRANSFORM} '
                      f"failed with: {exc.message}")
        else:
            reason = f"An error occurred (ValidationError) when calling the CreateChangeSet operation: {exc.message}"
        super().__init__(f"Error: Failed to create changeset for the stack: {stack}, {reason}")


class _Calls:
    """The plane, naming on a service error the operation that raised it (``when calling the X operation``),
    even when the handler calls another one (a clean-up) before the error reaches the deploy."""

    def __init__(self, plane: Any) -> None:
        self._plane = plane

    def call(self, op: str, params: dict[str, Any]) -> dict[str, Any]:
        try:
            return self._plane.call(op, params)
        except errors.ServiceError as exc:
            exc.__dict__.setdefault("operation", op.rpartition(":")[2])
            raise

    def __getattr__(self, name: str) -> Any:
        return getattr(self._plane, name)


def _reason(exc: errors.LambdactlError) -> str:
    """A failure as the aws CLI words a service error: ``An error occurred (Code) when calling the Op operation: ...``."""
    operation = getattr(exc, "operation", None)
    if isinstance(exc, errors.ServiceError) and operation:
        return f"An error occurred ({exc.code}) when calling the {operation} operation: {exc.message.strip()}"
    return exc.message.strip()


def _records(plane: Any, stack: str) -> dict[str, dict[str, Any]]:
    plane.store.ensure_schema("stacks", MIGRATIONS)
    rows = plane.store.conn.execute(
        "SELECT logical_id, type, physical_id, digest, attributes, position FROM stack_resources WHERE stack = ? "
        "ORDER BY position", (stack,)).fetchall()
    return {row[0]: {"type": row[1], "physical_id": row[2], "digest": row[3], "attributes": json.loads(row[4]),
                     "position": row[5]} for row in rows}


def _save_stack(plane: Any, stack: str, template: str, parameters: dict[str, str], status: str) -> None:
    with plane.store.write() as conn:
        conn.execute("INSERT INTO stacks (name, template, parameters, status, updated_at) VALUES (?, ?, ?, ?, ?) "
                     "ON CONFLICT(name) DO UPDATE SET template = excluded.template, parameters = excluded.parameters, "
                     "status = excluded.status, updated_at = excluded.updated_at",
                     (stack, template, json.dumps(parameters), status, time.time()))


def _record(plane: Any, stack: str, lid: str, kind: str, physical: str, digest: str, attributes: dict[str, Any],
            position: int) -> None:
    with plane.store.write() as conn:
        conn.execute("INSERT OR REPLACE INTO stack_resources VALUES (?, ?, ?, ?, ?, ?, ?)",
                     (stack, lid, kind, physical, digest, json.dumps(attributes), position))


def _forget(plane: Any, stack: str, lid: str) -> None:
    with plane.store.write() as conn:
        conn.execute("DELETE FROM stack_resources WHERE stack = ? AND logical_id = ?", (stack, lid))


def _digest(ctx: resources.Context, resource: resolve.Resource, props: dict[str, Any]) -> str:
    material = {"type": resource.type, "properties": props}
    for key in ("Code", "Content"):
        code = props.get(key)
        if isinstance(code, dict) and ("LocalUri" in code or "ZipInline" in code):
            material[f"{key}Sha256"] = resources.code_sha(resources.package(ctx, code, resource.logical_id))
    return hashlib.sha256(json.dumps(material, sort_keys=True, default=str).encode()).hexdigest()


def deploy(plane: Any, template_path: Path, stack: str, overrides: dict[str, str],
           report: Callable[[str], None] | None = None, expect: Callable[[int], None] | None = None,
           env_vars: envvars.EnvVars | None = None) -> dict[str, Any]:
    """Apply ``template_path`` as ``stack``; returns the changes made (``Changes``) and a ``Message``.

    ``report`` gets a line per resource added, modified, replaced, skipped or deleted as it happens (and
    ``""`` for one left unchanged), ``expect`` the number of resources once the template is expanded;
    ``env_vars``: ``--env-vars`` overrides of the functions' declared variables (``envvars.py``).
    """
    template = loader.load(template_path)
    applied: dict[str, dict[str, Any]] = {}

    def attributes(lid: str) -> dict[str, Any]:
        if lid not in applied:
            raise TemplateError(f"Template error: {lid} is not created (its Condition is false) but is referenced")
        return applied[lid]

    try:  # what CloudFormation checks before it makes any change
        properties.check(template)
        expanded = resolve.expand(template)
        unknown = sorted({r.type for r in expanded if r.type not in resources.HANDLERS and not resources.is_skipped(r.type, r.properties)})
        if unknown:
            raise TemplateError(f"Template format error: Unrecognized resource types: [{', '.join(unknown)}]")
        resolver = resolve.Resolver(template, overrides, stack, plane.settings.region, plane.settings.account_id, attributes)
        ordered = resolve.order(expanded, set(resolver.parameters))
    except properties.UnsupportedProperty as exc:
        raise DeployFailed(stack, f"resource {exc.logical_id} ({exc.kind}) failed: {exc.reason}. Nothing was applied.") from None
    except TemplateError as exc:
        raise ChangeSetFailed(stack, exc) from None
    if expect:
        expect(len(expanded))
    ctx = resources.Context(_Calls(plane), stack, template_path.resolve().parent)
    records = _records(plane, stack)
    status = plane.store.conn.execute("SELECT status FROM stacks WHERE name = ?", (stack,)).fetchone()
    started = False

    def begin() -> None:
        """Mark the stack in progress before its first change (a no-op deploy writes nothing)."""
        nonlocal started
        if not started:
            _save_stack(plane, stack, str(template_path), overrides, "UPDATE_IN_PROGRESS" if records else "CREATE_IN_PROGRESS")
            started = True

    changes: list[dict[str, Any]] = []
    wanted: set[str] = set()

    def tell(change: dict[str, Any]) -> None:
        if report:
            reason = f": {change['Reason']}" if change.get("Reason") else ""
            report(f"{change['Action']:<22} {change['LogicalResourceId']} ({change['ResourceType']}){reason}")
    for position, resource in enumerate(ordered):
        lid, kind = resource.logical_id, resource.type
        condition = resource.properties.get("__Condition")
        if condition is not None and not resolver.condition(condition):
            if report:
                report("")  # not created: one step done, nothing to say
            continue
        wanted.add(lid)
        if resources.is_skipped(kind, resource.properties):
            applied[lid] = resources.skipped_attributes(ctx, lid, kind)
            changes.append({**_change(lid, kind, "Skip (not run locally)", ""), "Reason": resources.skip_reason(kind, resource.properties)})
            tell(changes[-1])
            continue
        old = records.get(lid)
        try:
            props = resolver.value({k: v for k, v in resource.properties.items() if k != "__Condition"})
            if env_vars and kind == "AWS::Lambda::Function":
                props = envvars.apply(env_vars, lid, props)
            digest = _digest(ctx, resource, props)
            if old and old["type"] == kind and old["digest"] == digest:
                if report:
                    report("")  # unchanged: one step done, nothing to say
                applied[lid] = old["attributes"]
                if old["position"] != position:
                    _record(plane, stack, lid, kind, old["physical_id"], digest, old["attributes"], position)
                continue
            handler = resources.HANDLERS[kind]
            begin()
            if old and old["type"] == kind and handler.update is not None:
                physical, attrs = handler.update(ctx, lid, props, old)
                action = "Modify"
            else:
                if old:  # replaced: the old one goes first (names are fixed, as CloudFormation's custom names)
                    if old["type"] in resources.HANDLERS:
                        resources.HANDLERS[old["type"]].delete(ctx, old)
                    _forget(plane, stack, lid)
                physical, attrs = handler.create(ctx, lid, props)
                action = "Replace" if old else "Add"
        except errors.LambdactlError as exc:
            if started:  # as CloudFormation names a failed first deployment (no rollback here: re-run to converge)
                _save_stack(plane, stack, str(template_path), overrides, "UPDATE_FAILED" if records else "CREATE_FAILED")
            done = ", ".join(f"{c['LogicalResourceId']} ({c['Action']})" for c in changes if not c["Action"].startswith("Skip"))
            reason = _reason(exc)
            raise DeployFailed(stack, f"resource {lid} ({kind}) failed: {reason}. Applied before it: {done or 'nothing'}. "
                               "Fix it and deploy again to converge.") from None
        applied[lid] = attrs
        _record(plane, stack, lid, kind, physical, digest, attrs, position)
        changes.append(_change(lid, kind, action, physical))
        tell(changes[-1])
    gone = sorted((item for item in records.items() if item[0] not in wanted), key=lambda item: -item[1]["position"])
    if gone and expect:
        expect(len(expanded) + len(gone))  # each deletion is a step too
    for lid, old in gone:
        begin()
        if old["type"] in resources.HANDLERS:
            resources.HANDLERS[old["type"]].delete(ctx, old)
        _forget(plane, stack, lid)
        changes.append(_change(lid, old["type"], "Delete", old["physical_id"]))
        tell(changes[-1])
    if started or status is None or status[0].endswith(("FAILED", "IN_PROGRESS")):
        _save_stack(plane, stack, str(template_path), overrides, "UPDATE_COMPLETE" if records else "CREATE_COMPLETE")
    made = [c for c in changes if not c["Action"].startswith("Skip")]
    message = (f"Successfully deployed stack {stack}: {len(made)} change(s)" if made
               else f"No changes to deploy. Stack {stack} is up to date")
    skipped = [c for c in changes if c["Action"].startswith("Skip")]
    noop.remember(plane, stack, template_path, overrides, sorted(ctx.sources),
                  {"StackName": stack, "Changes": skipped, "Message": f"No changes to deploy. Stack {stack} is up to date"},
                  env_vars)
    return {"StackName": stack, "Changes": changes, "Message": message}


def _change(lid: str, kind: str, action: str, physical: str) -> dict[str, Any]:
    return {"LogicalResourceId": lid, "ResourceType": kind, "Action": action, "PhysicalResourceId": physical}


def delete_stack(plane: Any, stack: str) -> dict[str, Any]:
    """Delete every resource ``stack`` recorded (in reverse order), then the stack. A stack that does
    not exist is no error, as CloudFormation's DeleteStack has it."""
    records = _records(plane, stack)
    exists = plane.store.conn.execute("SELECT 1 FROM stacks WHERE name = ?", (stack,)).fetchone()
    if not exists:
        return {"StackName": stack, "Changes": []}
    ctx = resources.Context(plane, stack, Path.cwd())
    changes = []
    for lid, old in sorted(records.items(), key=lambda item: -item[1]["position"]):
        if old["type"] in resources.HANDLERS:
            resources.HANDLERS[old["type"]].delete(ctx, old)
        _forget(plane, stack, lid)
        changes.append(_change(lid, old["type"], "Delete", old["physical_id"]))
    with plane.store.write() as conn:
        conn.execute("DELETE FROM stacks WHERE name = ?", (stack,))
    return {"StackName": stack, "Changes": changes}


def list_stacks(plane: Any) -> dict[str, Any]:
    plane.store.ensure_schema("stacks", MIGRATIONS)
    rows = plane.store.conn.execute(
        "SELECT s.name, s.status, s.template, s.updated_at, COUNT(r.logical_id) FROM stacks s "
        "LEFT JOIN stack_resources r ON r.stack = s.name GROUP BY s.name ORDER BY s.name").fetchall()
    from datetime import datetime, timezone

    return {"StackSummaries": [
        {"StackName": name, "StackStatus": status, "TemplatePath": path, "ResourceCount": count,
         "LastUpdatedTime": datetime.fromtimestamp(updated, timezone.utc).isoformat(timespec="seconds")}
        for name, status, path, updated, count in rows]}
