"""Print API responses the way ``aws`` (CLI v2) prints them.

``render`` applies ``--query`` (JMESPath) and writes one of the aws output
formats: json, yaml, yaml-stream, text, table or off. Heavy modules (jmespath,
yaml) are imported only when the chosen option needs them.
"""

from __future__ import annotations

import sys

from lambdactl.errors import UsageError
from lambdactl.render import formats

TYPE_CHECKING = False  # typing's, without importing typing: each warm `invoke` loads this module (cli/fast_invoke.py)
if TYPE_CHECKING:
    from typing import Any, TextIO

OUTPUTS = ("json", "yaml", "yaml-stream", "text", "table", "off")


def apply_query(data: Any, query: str) -> Any:
    """Run a JMESPath ``--query`` expression on ``data``."""
    import jmespath

    try:
        expression = jmespath.compile(query)
    except Exception as exc:  # jmespath raises several error types
        # awscli/customizations/globalargs.py _resolve_query
        raise UsageError(f"Bad value for --query {query}: {exc}") from None
    return expression.search(data)


def render(
    data: Any,
    *,
    output: str = "json",
    query: str | None = None,
    operation: str = "",
    stream: TextIO | None = None,
    color: str = "auto",
) -> None:
    """Write ``data`` to ``stream`` (stdout) as ``aws --output <output>`` would.

    ``operation`` is the API name (``ListFunctions``), the table's title.
    ``color`` is ``--color``: auto (only on a TTY), on or off; only the table
    format uses colour.
    """
    if output not in OUTPUTS:
        raise UsageError(
            f"argument --output: Invalid choice, valid choices are:\n\n{' | '.join(OUTPUTS)}"
        )
    if query is not None:
        data = apply_query(data, query)
    if output == "off":
        return
    out = sys.stdout if stream is None else stream
    if output == "json":
        formats.write_json(data, out)
    elif output == "yaml":
        formats.write_yaml(data, out)
    elif output == "yaml-stream":
        formats.write_yaml_stream(data, out)
    elif output == "text":
        formats.write_text(data, out)
    else:
        from lambdactl.render.table import write_table

        write_table(data, out, title=operation, colorize=_use_color(color, out))
    try:
        out.flush()
    except (OSError, ValueError):
        pass


def _use_color(color: str, stream: TextIO) -> bool:
    if color == "on":
        return True
    if color == "off":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
