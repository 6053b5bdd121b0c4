"""Service models (trimmed copies of botocore's) and their naming rules.

``lambda`` is the default everywhere; ``sqs``, ``kinesis`` and ``dynamodbstreams``
describe the embedded event sources.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

_HERE = Path(__file__).parent
LAMBDA = "lambda"


@lru_cache(maxsize=None)
def service(name: str = LAMBDA) -> dict[str, Any]:
    return json.loads((_HERE / f"{name}.json").read_text())


@lru_cache(maxsize=None)
def index() -> dict[str, dict[str, str]]:
    """Every modelled service's wire identity (protocol, serviceId, signing name, target prefix),
    from ``index.json``: a few hundred bytes instead of the models themselves."""
    return json.loads((_HERE / "index.json").read_text())


def names() -> list[str]:
    """Every service lambdactl has a model of (indexed or not yet: ``build.py`` writes the index)."""
    files = {path.stem for path in _HERE.glob("*.json") if "." not in path.stem and path.stem != "index"}
    return sorted(files | set(index()))


def metadata(name: str) -> dict[str, str]:
    """A service's wire identity (``index``), for a model that ``build.py`` indexed or not."""
    return index().get(name) or service(name)["metadata"]


def shapes(name: str = LAMBDA) -> dict[str, Any]:
    return service(name)["shapes"]


def operation(op_name: str, name: str = LAMBDA) -> dict[str, Any]:
    return service(name)["operations"][op_name]


def input_shape(op_name: str, name: str = LAMBDA) -> dict[str, Any] | None:
    ref = operation(op_name, name).get("input")
    return shapes(name)[ref["shape"]] if ref else None


@lru_cache(maxsize=None)
def query_traits(name: str) -> dict[str, Any] | None:
    """The legacy ``query`` protocol's view of a ``json`` service (SQS): its shapes with the XML
    traits of ``model/query/<name>.json`` put back, ``resultWrappers`` and ``xmlNamespace``; None
    for a service that never spoke query."""
    path = _HERE / "query" / f"{name}.json"
    if not path.exists():
        return None
    import copy

    traits = json.loads(path.read_text())
    merged = copy.deepcopy(shapes(name))
    for key, value in traits["shapes"].items():
        *where, trait = key.split("/")
        node: Any = merged
        for step in where:
            node = node.get(step) if isinstance(node, dict) else None
            if node is None:
                break
        if isinstance(node, dict):
            node[trait] = value
    return {"shapes": merged, "resultWrappers": traits["resultWrappers"], "xmlNamespace": traits["xmlNamespace"]}


def plane_operation(op_name: str, name: str = LAMBDA) -> str:
    """The control-plane name of an operation: Lambda's own, others prefixed (``sqs:SendMessage``)."""
    return op_name if name == LAMBDA else f"{name}:{op_name}"


# botocore.xform_name, so flags are spelled exactly as the aws CLI spells them.
_FIRST_CAP = re.compile("(.)([A-Z][a-z]+)")
_END_CAP = re.compile("([a-z0-9])([A-Z])")
_SPECIAL = re.compile("[A-Z]{2,}s$")


def xform_name(name: str, sep: str = "-") -> str:
    if sep in name:
        return name
    match = _SPECIAL.search(name)
    if match:
        matched = match.group()
        name = name[: -len(matched)] + sep + matched.lower()
    s1 = _FIRST_CAP.sub(r"\1" + sep + r"\2", name)
    return _END_CAP.sub(r"\1" + sep + r"\2", s1).lower()


def command_name(op_name: str) -> str:
    return xform_name(op_name)
