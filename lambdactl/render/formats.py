"""The json, yaml, yaml-stream and text output formats of the aws CLI."""

from __future__ import annotations

TYPE_CHECKING = False  # typing's, without importing typing: each warm `invoke` loads this module (cli/fast_invoke.py)
if TYPE_CHECKING:
    from typing import Any, TextIO


def write_json(data: Any, stream: TextIO) -> None:
    """awscli JSONFormatter: 4-space indent, non-ASCII kept; ``{}`` prints nothing."""
    import json

    if data != {}:
        json.dump(data, stream, indent=4, ensure_ascii=False)
        stream.write("\n")


def write_yaml(data: Any, stream: TextIO) -> None:
    """aws CLI v2 YAMLFormatter: block style, key order kept; ``{}`` prints nothing."""
    if data != {}:
        _dump_yaml(data, stream)


def write_yaml_stream(data: Any, stream: TextIO) -> None:
    """aws CLI v2 StreamedYAMLFormatter: each page is one item of a YAML list.

    Our pages are already merged, so the whole result is the single item.
    """
    if data != {}:
        _dump_yaml([data], stream)


def _dump_yaml(data: Any, stream: TextIO) -> None:
    import yaml

    class _Dumper(yaml.SafeDumper):
        def ignore_aliases(self, data: Any) -> bool:
            return True

    yaml.dump(
        data,
        stream,
        Dumper=_Dumper,
        default_flow_style=False,
        sort_keys=False,
        allow_unicode=True,
    )


# Port of awscli/text.py (Apache-2.0, Copyright Amazon.com, Inc.).
def write_text(data: Any, stream: TextIO) -> None:
    """awscli TextFormatter: tab-separated rows, keys sorted."""
    _format_text(data, stream)


def _format_text(
    item: Any, stream: TextIO, identifier: str | None = None, scalar_keys: list[str] | None = None
) -> None:
    if isinstance(item, dict):
        _format_dict(scalar_keys, item, identifier, stream)
    elif isinstance(item, list):
        _format_list(item, identifier, stream)
    else:
        stream.write(f"{item}\n")


def _format_list(item: list, identifier: str | None, stream: TextIO) -> None:
    if not item:
        return
    if any(isinstance(el, dict) for el in item):
        all_keys = _all_scalar_keys(item)
        for element in item:
            _format_text(element, stream, identifier, all_keys)
    elif any(isinstance(el, list) for el in item):
        scalars = [el for el in item if not isinstance(el, (list, dict))]
        if scalars:
            _format_scalar_list(scalars, identifier, stream)
        for non_scalar in (el for el in item if isinstance(el, (list, dict))):
            _format_text(non_scalar, stream, identifier)
    else:
        _format_scalar_list(item, identifier, stream)


def _format_scalar_list(elements: list, identifier: str | None, stream: TextIO) -> None:
    if identifier is not None:
        for item in elements:
            stream.write(f"{identifier.upper()}\t{item}\n")
    else:
        stream.write("\t".join(str(item) for item in elements) + "\n")


def _format_dict(
    scalar_keys: list[str] | None, item: dict, identifier: str | None, stream: TextIO
) -> None:
    scalars, non_scalars = _partition_dict(item, scalar_keys)
    if scalars:
        if identifier is not None:
            scalars.insert(0, identifier.upper())
        stream.write("\t".join(scalars) + "\n")
    for new_identifier, non_scalar in non_scalars:
        _format_text(non_scalar, stream, new_identifier)


def _all_scalar_keys(list_of_dicts: list) -> list[str]:
    keys = {
        key
        for item in list_of_dicts
        if isinstance(item, dict)
        for key, value in item.items()
        if not isinstance(value, (dict, list))
    }
    return sorted(keys)


def _partition_dict(
    item: dict, scalar_keys: list[str] | None
) -> tuple[list[str], list[tuple[str, Any]]]:
    scalar: list[str] = []
    non_scalar: list[tuple[str, Any]] = []
    if scalar_keys is None:
        for key, value in sorted(item.items()):
            if isinstance(value, (dict, list)):
                non_scalar.append((key, value))
            else:
                scalar.append(str(value))
    else:
        scalar = [str(item.get(key, "")) for key in scalar_keys]
        for key in sorted(set(item) - set(scalar_keys)):
            non_scalar.append((key, item[key]))
    return scalar, non_scalar
