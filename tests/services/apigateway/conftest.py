"""One real `serve` per module with the backend function the REST API tests route to."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from apigw_helpers import function, serve


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any]]:
    yield from serve(tmp_path_factory.mktemp("rest-apis"))


@pytest.fixture(scope="module")
def backend(served: tuple[Any, Any]) -> str:
    return function(served[1], "backend")
