"""Regenerate the packaged service model from the installed botocore.

The botocore service model is the law for names, shapes, enums and ranges. We ship
a trimmed copy (documentation cut to one plain sentence) so the CLI and the HTTP
server use the same shapes without importing botocore at start-up.

    python -m lambdactl.model.build      # rewrites lambdactl/model/lambda.json
"""

from __future__ import annotations

import gzip
import html
import json
import re
import sys
from pathlib import Path

OUT = Path(__file__).with_name("lambda.json")
SERVICE = "lambda/2015-03-31"


def one_sentence(doc: str) -> str:
    text = html.unescape(re.sub(r"<[^>]+>", "", doc or "")).strip()
    text = re.sub(r"\s+", " ", text)
    match = re.match(r"(.+?\.)(\s|$)", text)
    return (match.group(1) if match else text)[:200]


def trim(node: dict) -> dict:
    out = {k: v for k, v in node.items() if k not in ("documentation", "documentationUrl")}
    if "documentation" in node:
        out["doc"] = one_sentence(node["documentation"])
    if "members" in node:
        out["members"] = {name: trim(member) for name, member in node["members"].items()}
    return out


def build() -> dict:
    import botocore

    data = Path(botocore.__file__).parent / "data" / SERVICE
    service = json.loads(gzip.decompress((data / "service-2.json.gz").read_bytes()))
    return {
        "botocore": botocore.__version__,
        "metadata": service["metadata"],
        "operations": {name: trim(op) for name, op in service["operations"].items()},
        "shapes": {name: trim(shape) for name, shape in service["shapes"].items()},
        "paginators": json.loads((data / "paginators-1.json").read_text())["pagination"],
        "waiters": json.loads((data / "waiters-2.json").read_text())["waiters"],
    }


def render() -> str:
    return json.dumps(build(), indent=None, separators=(",", ":"), sort_keys=False) + "\n"


if __name__ == "__main__":
    OUT.write_text(render())
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)", file=sys.stderr)
