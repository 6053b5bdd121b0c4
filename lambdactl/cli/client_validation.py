"""botocore's client-side checks: required members, types and minimums (exit 252)."""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from typing import Any, cast

from lambdactl import errors, model

_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "long": (int,),
    "boolean": (bool,),
    "double": (int, float),
    "float": (int, float),
    "blob": (bytes, bytearray, str),
    "timestamp": (str, int, float),
    "structure": (dict,),
    "map": (dict,),
    "list": (list, tuple),
}


def validate_params(params: dict[str, Any], op_name: str, service: str = model.LAMBDA) -> None:
    ref = model.operation(op_name, service).get("input")
    if not ref:
        return
    from lambdactl.cli.customizations import CLIENT_NOT_REQUIRED

    problems: list[str] = []
    optional = CLIENT_NOT_REQUIRED.get(op_name, set()) if service == model.LAMBDA else set()
    _check(model.shapes(service), params, ref["shape"], "", problems, optional)
    if problems:
        raise errors.ParamValidationError("\n".join(problems))


def _check(
    shapes: dict[str, Any], value: Any, shape_name: str, path: str, problems: list[str], optional: AbstractSet[str] = frozenset()
) -> None:
    shape = shapes.get(shape_name)
    if shape is None:  # lambdactl's own members (e.g. LambdactlBackend)
        return
    kind = shape["type"]
    allowed = _TYPES.get(kind, (object,))
    if not isinstance(value, allowed) or (kind in ("integer", "long") and isinstance(value, bool)):
        names = ", ".join(f"<class '{t.__name__}'>" for t in allowed)
        problems.append(
            f"Invalid type for parameter {path}, value: {value}, type: <class '{type(value).__name__}'>, valid types: {names}"
        )
        return
    value = cast(Any, value)  # checked just above (isinstance would narrow it to object)
    minimum = shape.get("min")
    if kind == "structure":
        for name in shape.get("required", []):
            if name not in value and name not in optional:
                problems.append(f'Missing required parameter in input: "{name}"' if not path else
                                f'Missing required parameter in "{path}": "{name}"')
        for name, item in value.items():
            member = shape["members"].get(name)
            if member is None:
                if name != "LambdactlBackend":
                    problems.append(f'Unknown parameter in input: "{name}", must be one of: {", ".join(shape["members"])}'
                                    if not path else f'Unknown parameter in {path}: "{name}", must be one of: {", ".join(shape["members"])}')
                continue
            if item is not None:
                _check(shapes, item, member["shape"], f"{path}.{name}" if path else name, problems)
    elif kind == "list":
        if minimum is not None and len(value) < minimum:
            problems.append(f"Invalid length for parameter {path}, value: {len(value)}, valid min length: {minimum}")
        for index, item in enumerate(value):
            _check(shapes, item, shape["member"]["shape"], f"{path}[{index}]", problems)
    elif kind == "map":
        for key, item in value.items():
            _check(shapes, item, shape["value"]["shape"], f"{path}.{key}", problems)
    elif kind in ("integer", "long") and minimum is not None and value < minimum:
        problems.append(f"Invalid value for parameter {path}, value: {value}, valid min value: {minimum}")
    elif kind == "string" and minimum is not None and len(value) < minimum:
        problems.append(f"Invalid length for parameter {path}, value: {len(value)}, valid min length: {minimum}")
