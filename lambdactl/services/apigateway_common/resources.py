"""The operations both API Gateway flavours shape alike: an API's resource got, listed a page at a
time, or deleted, each after checking that the API (and the resource) exists.

A flavour is its service's documents plus its own spelling: the API id member (``restApiId`` or
``ApiId``), its NotFoundException, its paging and what a missing resource's message names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lambdactl import errors
from lambdactl.plane import ControlPlane
from lambdactl.services.apigateway_common.documents import Documents, public

Handler = Callable[[ControlPlane, dict[str, Any]], dict[str, Any]]
Show = Callable[[ControlPlane, str, dict[str, Any]], dict[str, Any]]  # (plane, api id, document) -> result


class ApiResources:
    def __init__(self, service: str, schema: list[tuple[str, str]], api_key: str, not_found: type[errors.ServiceError],
                 page: Callable[[list[dict[str, Any]], dict[str, Any]], dict[str, Any]],
                 missing: Callable[[ControlPlane, str, str], str]) -> None:  # fmt: skip
        """``missing(plane, api id, resource id)``: what "Invalid <label> identifier specified ..." names."""
        self.service, self.schema, self.api_key = service, schema, api_key
        self.not_found, self.page, self.missing = not_found, page, missing

    def documents(self, plane: ControlPlane) -> Documents:
        return Documents(plane, self.service, self.schema)

    def api(self, plane: ControlPlane, api_id: str) -> dict[str, Any]:
        api = self.documents(plane).get(api_id, "api", api_id)
        if api is None:
            raise self.not_found(f"Invalid API identifier specified {plane.settings.account_id}:{api_id}")
        return api

    def child(self, plane: ControlPlane, api_id: str, kind: str, item_id: str, label: str) -> dict[str, Any]:
        self.api(plane, api_id)
        doc = self.documents(plane).get(api_id, kind, item_id)
        if doc is None:
            raise self.not_found(f"Invalid {label} identifier specified {self.missing(plane, api_id, item_id)}")
        return doc

    def getter(self, kind: str, id_key: str, label: str, show: Show | None = None) -> Handler:
        """Get<Resource>: the resource as stored (``show`` adds what the flavour shows with it)."""

        def get(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
            api_id = params[self.api_key]
            doc = self.child(plane, api_id, kind, params[id_key], label)
            return show(plane, api_id, doc) if show else public(doc)

        return get

    def lister(self, kind: str, show: Show | None = None) -> Handler:
        """Get<Resource>s: one page of the API's resources of ``kind``."""

        def list_(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
            api_id = params[self.api_key]
            self.api(plane, api_id)
            docs = self.documents(plane).list(api_id, kind)
            return self.page([show(plane, api_id, doc) if show else public(doc) for doc in docs], params)

        return list_

    def deleter(self, kind: str, id_key: str, label: str) -> Handler:
        """Delete<Resource>, for a resource nothing else refers to."""

        def delete(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
            api_id = params[self.api_key]
            self.child(plane, api_id, kind, params[id_key], label)
            self.documents(plane).delete(api_id, kind, params[id_key])
            return {}

        return delete
