"""Read a template: YAML with CloudFormation's short tags (``!Ref``, ``!GetAtt``, ``!Sub``...) or JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lambdactl import errors

SHORT_TAGS = ("Ref", "Condition", "GetAtt", "Sub", "Join", "If", "Select", "Split", "Equals", "And", "Or", "Not",
              "FindInMap", "Base64", "GetAZs", "ImportValue", "Cidr", "Length", "ToJsonString")  # fmt: skip


class TemplateError(errors.LambdactlError):
    """A template CloudFormation would reject (exit 255, as ``aws cloudformation deploy`` does)."""


def _loader() -> Any:
    import yaml

    class CloudFormationLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]  # libyaml's when built
        """SafeLoader plus the short forms: ``!Ref X`` -> ``{"Ref": "X"}``, ``!GetAtt A.B`` -> ``{"Fn::GetAtt": ["A", "B"]}``."""

    def construct(tag: str) -> Any:
        key = tag if tag in ("Ref", "Condition") else f"Fn::{tag}"

        def build(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
            if isinstance(node, yaml.ScalarNode):
                value: Any = loader.construct_scalar(node)
                if tag == "GetAtt":
                    value = value.split(".", 1)
            elif isinstance(node, yaml.SequenceNode):
                value = loader.construct_sequence(node, deep=True)
            else:
                value = loader.construct_mapping(node, deep=True)
            return {key: value}

        return build

    for tag in SHORT_TAGS:
        CloudFormationLoader.add_constructor(f"!{tag}", construct(tag))
    # CloudFormation keeps timestamps and yes/no as strings
    CloudFormationLoader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return CloudFormationLoader


def load(path: Path) -> dict[str, Any]:
    """The template at ``path`` as a dict; TemplateError (one line) when it is not a template."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise TemplateError(f"Invalid template path {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(f"Unable to read template {path}: {exc}") from None
    if text.lstrip().startswith("{"):
        try:
            body = json.loads(text)
        except json.JSONDecodeError as exc:
            raise TemplateError(f"Error parsing template {path}: {exc}") from None
    else:
        import yaml

        try:
            body = yaml.load(text, Loader=_loader())  # noqa: S506 - a SafeLoader subclass
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise TemplateError(f"Error parsing template {path}: {problem}{where}") from None
    if not isinstance(body, dict) or not isinstance(body.get("Resources"), dict) or not body["Resources"]:
        raise TemplateError(f"Template format error: {path} has no Resources section (is it a SAM/CloudFormation template?)")
    return body
