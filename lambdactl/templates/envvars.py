"""``--env-vars FILE``, as ``sam local invoke/start-api --env-vars`` takes it: a JSON object whose
``Parameters`` entry applies to every function and whose other entries, keyed by a function's
logical ID (or its ``FunctionName``), apply to that function and win over ``Parameters``.

As in SAM CLI, only variables the template already declares for the function (its own
``Environment.Variables`` merged with ``Globals``) are overridden; others are ignored. Values become
strings as SAM makes them: ``true``/``false`` for booleans, ``""`` for null, lists and objects.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lambdactl import errors

EnvVars = dict[str, dict[str, Any]]


def read(path: Path) -> EnvVars:
    """The file's overrides, or a usage error (exit 252) naming what is wrong with it."""
    try:
        values = json.loads(Path(path).read_text())
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else str(exc)
        raise errors.UsageError(f"Could not read environment variables overrides from file {path}: {reason}") from None
    if not isinstance(values, dict):
        raise errors.UsageError(f"Environment variables in {path} must be a JSON object of objects")
    for value in values.values():
        if not isinstance(value, dict):
            raise errors.UsageError(f"Environment variables {json.dumps(value)} in incorrect format")
    return values


def apply(env_vars: EnvVars, logical_id: str, props: dict[str, Any]) -> dict[str, Any]:
    """``props`` (a resolved AWS::Lambda::Function's) with its declared variables overridden."""
    declared = (props.get("Environment") or {}).get("Variables") or {}
    if not declared:
        return props
    overrides = {**env_vars.get("Parameters", {}),
                 **(env_vars.get(logical_id) or env_vars.get(str(props.get("FunctionName") or "")) or {})}
    variables = {name: _string(overrides[name]) if name in overrides else value for name, value in declared.items()}
    return {**props, "Environment": {**props["Environment"], "Variables": variables}}


def _string(value: Any) -> str:
    if value is True or value is False:
        return str(value).lower()
    if value is None or isinstance(value, (dict, list)):
        return ""
    return str(value)
