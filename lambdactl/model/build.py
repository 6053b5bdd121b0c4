"""Regenerate the packaged service model from the installed botocore.

The botocore service model is the law for names, shapes, enums and ranges. We ship
a trimmed copy (documentation cut to one plain sentence) so the CLI and the HTTP
server use the same shapes without importing botocore at start-up.

    python -m lambdactl.model.build      # rewrites lambdactl/model/<service>.json and index.json
    python -m lambdactl.model.build lambda    # only the services named
    /tmp/bc/bin/python -m lambdactl.model.build lambda   # from another botocore: run it with that interpreter
                                                         # (from the repository root, which puts lambdactl on its path)
    python -m lambdactl.model.build --index   # only index.json (the services' wire identities)

SQS moved to the ``json`` protocol in botocore 1.34.90, and its model lost the XML traits of the
legacy ``query`` protocol that older SDKs still send. ``model/query/sqs.json`` keeps those traits
(taken from the last query-protocol model; ``--query-traits sqs PATH/service-2.json`` rewrites it).
"""

from __future__ import annotations

import gzip
import html
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).parent
# Lambda itself, the services whose embedded sources feed event source mappings, API Gateway and S3.
SERVICES = {
    "lambda": "lambda/2015-03-31",
    "sqs": "sqs/2012-11-05",
    "kinesis": "kinesis/2013-12-02",
    "dynamodbstreams": "dynamodbstreams/2012-08-10",
    "events": "events/2015-10-07",
    "scheduler": "scheduler/2021-06-30",
    "apigateway": "apigateway/2015-07-09",
    "apigatewayv2": "apigatewayv2/2018-11-29",
    "s3": "s3/2006-03-01",
    "logs": "logs/2014-03-28",  # CloudWatch Logs over the function logs, for SDK calls from functions
}


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


def build(name: str) -> dict:
    import botocore

    data = Path(botocore.__file__).parent / "data" / SERVICES[name]
    service = json.loads(gzip.decompress((data / "service-2.json.gz").read_bytes()))
    waiters = data / "waiters-2.json"
    return {
        "botocore": botocore.__version__,
        "metadata": service["metadata"],
        "operations": {op_name: trim(op) for op_name, op in service["operations"].items()},
        "shapes": {shape_name: trim(shape) for shape_name, shape in service["shapes"].items()},
        "paginators": json.loads((data / "paginators-1.json").read_text())["pagination"],
        "waiters": json.loads(waiters.read_text())["waiters"] if waiters.exists() else {},
    }


INDEX_KEYS = ("protocol", "serviceId", "signingName", "endpointPrefix", "targetPrefix", "jsonVersion")


def write_index() -> None:
    """Each shipped model's wire identity in ``model/index.json``: what ``serve`` and the
    environments' endpoint variables need, without loading whole models on the invoke path."""
    found = {}
    for path in sorted(HERE.glob("*.json")):
        if "." not in path.stem and path.stem != "index":
            metadata = json.loads(path.read_text())["metadata"]
            found[path.stem] = {key: value for key, value in metadata.items() if key in INDEX_KEYS}
    (HERE / "index.json").write_text(json.dumps(found, indent=1, sort_keys=True) + "\n")


def render(name: str) -> str:
    return json.dumps(build(name), indent=None, separators=(",", ":"), sort_keys=False) + "\n"


def examples(name: str) -> dict[str, dict]:
    """The first documented example of each operation (title and input), for ``lambdactl help``.

    Kept in ``<service>.examples.json`` beside the model, so help can show an example without
    loading it at start-up and the model file stays as botocore's."""
    import botocore

    path = Path(botocore.__file__).parent / "data" / SERVICES[name] / "examples-1.json"
    if not path.exists():
        return {}
    found = json.loads(path.read_text()).get("examples", {})
    return {
        op_name: {"title": cases[0].get("title", ""), "input": cases[0]["input"]}
        for op_name, cases in sorted(found.items())
        if cases and cases[0].get("input")
    }


QUERY_TRAITS = ("locationName", "flattened", "xmlNamespace", "xmlAttribute")


def query_traits(old_model: dict, source: str) -> dict:
    """The query-protocol XML traits of an old model: ``shapes`` maps ``Shape/.../trait`` to its value."""
    traits: dict[str, object] = {}

    def walk(node: object, path: list[str]) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in QUERY_TRAITS:
                    traits["/".join([*path, key])] = value
                elif key != "documentation":
                    walk(value, [*path, key])

    walk(old_model["shapes"], [])
    wrappers = {
        op_name: op["output"]["resultWrapper"]
        for op_name, op in old_model["operations"].items()
        if "resultWrapper" in op.get("output", {})
    }
    return {"source": source, "xmlNamespace": old_model["metadata"]["xmlNamespace"],
            "resultWrappers": wrappers, "shapes": traits}


if __name__ == "__main__":
    if sys.argv[1:2] == ["--query-traits"]:
        service_name, old_path = sys.argv[2], Path(sys.argv[3])
        old = json.loads(old_path.read_text())
        source = f"{old['metadata']['uid']}, protocol {old['metadata']['protocol']} ({old_path.name})"
        out = HERE / "query" / f"{service_name}.json"
        out.parent.mkdir(exist_ok=True)
        out.write_text(json.dumps(query_traits(old, source), indent=1, sort_keys=True) + "\n")
        print(f"wrote {out}", file=sys.stderr)
        sys.exit(0)
    if sys.argv[1:2] == ["--index"]:  # after adding one model by hand
        write_index()
        sys.exit(0)
    wanted = sys.argv[1:] or list(SERVICES)
    unknown = [name for name in wanted if name not in SERVICES]
    if unknown:
        sys.exit(f"unknown service(s): {' '.join(unknown)}; known: {' '.join(SERVICES)}")
    for service_name in wanted:
        out = HERE / f"{service_name}.json"
        out.write_text(render(service_name))
        print(f"wrote {out} ({out.stat().st_size} bytes)", file=sys.stderr)
        cases = examples(service_name)
        if cases:
            out = HERE / f"{service_name}.examples.json"
            out.write_text(json.dumps(cases, indent=1, sort_keys=True) + "\n")
            print(f"wrote {out} ({len(cases)} examples)", file=sys.stderr)
    write_index()
