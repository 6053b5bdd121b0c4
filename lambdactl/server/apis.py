"""Which API an execute-api request is for, REST (``apigateway``) or HTTP (``apigatewayv2``), and its answer.

Both flavours serve through what they share (``services/apigateway_common/gateway.py``); this
module, above both, picks the flavour of an API and lists every deployed stage's local URL
(printed by ``serve`` at start).
"""

from __future__ import annotations

import sys
import traceback
from typing import Any

from lambdactl.plane import ControlPlane
from lambdactl.services.apigateway_common.gateway import MAX_REQUEST, TOO_LARGE, Api, Request, Response, answer


def invoke_urls(plane: ControlPlane, base_url: str) -> list[str]:
    """One line per deployed stage of every API: its name and local invoke URL (host form)."""
    from lambdactl.services.apigateway import operations as rest
    from lambdactl.services.apigatewayv2 import operations as http

    port = base_url.rstrip("/").rsplit(":", 1)[-1]
    lines = []
    for flavour, store, id_key, name_key, stage_key in (
        ("HTTP API", http.documents(plane), "ApiId", "Name", "StageName"),
        ("REST API", rest.documents(plane), "id", "name", "stageName"),
    ):
        for api in store.list(None, "api"):
            for stage in store.list(api[id_key], "stage"):
                name = stage[stage_key]
                path = "" if name == "$default" else name + "/"
                lines.append(f"{flavour} {api[name_key]} ({name}): http://{api[id_key]}.execute-api.localhost:{port}/{path}")
    return lines


# (state dir, api id) -> (configuration generation, (flavour's operations module, documents by kind))
_APIS: dict[tuple[str, str], tuple[int, tuple[Any, dict[str, Any]]]] = {}


def respond(planes: Any, api_id: str, method: str, target: str, headers: Any, body: bytes,
            source_ip: str, protocol: str) -> Response:  # fmt: skip
    """Answer one execute-api request for a REST or HTTP API (``planes`` lends control planes)."""
    try:
        if len(body) > MAX_REQUEST:
            return TOO_LARGE
        request = Request(method, target, headers, body, source_ip, protocol)
        from lambdactl.services.apigateway import operations as rest
        from lambdactl.services.apigatewayv2 import operations as http

        flavour: Any = None
        docs: dict[str, Any] = {}
        regional = planes
        for regional in planes.regions():  # the region whose state holds the API (its URL names none)
            with regional.lease() as plane:
                key = (str(plane.settings.region_dir), api_id)
                cached = _APIS.get(key)
                if cached is not None and cached[0] == plane.store.generation_hint():
                    flavour, docs = cached[1]
                else:
                    http_docs = http.documents(plane)  # creates the tables (and their triggers) on first use
                    rest_docs = rest.documents(plane)
                    generation = plane.store.generation()  # read before the documents: a change in between re-reads
                    flavour, docs = http, http_docs.of_api(api_id)
                    if not docs:
                        flavour, docs = rest, rest_docs.of_api(api_id)
                    docs["_deployments"] = {}  # filled as requests need them (a deployment never changes)
                    if docs.get("api"):
                        _APIS[key] = (generation, (flavour, docs))
                api = Api(api_id, docs, plane.settings.account_id, plane.settings.region, flavour.documents)
            if docs.get("api"):
                break
        if not docs.get("api"):
            return answer(404, "Not Found")
        if flavour is http:
            from lambdactl.services.apigatewayv2 import serving as http_serving

            return http_serving.respond(regional, api, request)
        from lambdactl.services.apigateway import serving as rest_serving

        return rest_serving.respond(regional, api, request)
    except Exception:  # noqa: BLE001 - the HTTP edge: a bug becomes a 500, the server lives on
        traceback.print_exc(file=sys.stderr)
        return answer(500, "Internal server error")
