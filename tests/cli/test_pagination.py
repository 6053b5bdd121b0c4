"""list-functions across several pages (the service caps a page at 50): merge, --max-items, tokens, --page-size."""

from __future__ import annotations

import base64
import json

import pytest

COUNT = 57  # more than one 50-item page
NAMES = [f"fn-{index:03d}" for index in range(COUNT)]


@pytest.fixture(scope="module")
def many(tmp_path_factory, cli_for, zip_bytes):
    from lambdactl.plane import ControlPlane, Settings

    root = tmp_path_factory.mktemp("pages")
    plane = ControlPlane(Settings(state_dir=root / "state"))
    for name in reversed(NAMES):
        plane.call("CreateFunction", {"FunctionName": name, "Runtime": "python3.12", "Handler": "app.handler",
                                      "Code": {"ZipFile": zip_bytes}})  # fmt: skip
    plane.close()
    return cli_for(root / "state", root)


def names(result) -> list[str]:
    return [item["FunctionName"] for item in result.json["Functions"]]


def test_auto_pagination_merges_every_page(many):
    result = many("list-functions")
    assert names(result) == NAMES
    assert set(result.json) == {"Functions"}  # NextMarker hidden


def test_no_paginate_shows_one_page_and_next_marker(many):
    page = many("list-functions", "--no-paginate").json
    assert len(page["Functions"]) == 50
    assert page["NextMarker"]
    assert "NextToken" not in page


def test_page_size_does_not_change_the_merged_result(many):
    assert names(many("list-functions", "--page-size", "7")) == NAMES
    page = many("list-functions", "--page-size", "7", "--no-paginate").json
    assert len(page["Functions"]) == 7 and page["NextMarker"]


def test_max_items_and_starting_token_resume_to_the_exact_rest(many):
    first = many("list-functions", "--max-items", "3").json
    assert names_of(first) == NAMES[:3]
    token = first["NextToken"]
    decoded = json.loads(base64.b64decode(token))
    assert set(decoded) <= {"Marker", "boto_truncate_amount"}
    second = many("list-functions", "--max-items", "50", "--starting-token", token).json
    assert names_of(second) == NAMES[3:53]
    rest = many("list-functions", "--starting-token", second["NextToken"]).json
    assert names_of(rest) == NAMES[53:]
    assert "NextToken" not in rest


@pytest.mark.parametrize("page_size, max_items", [(7, 10), (50, 50), (10, 25), (3, 4)])
def test_walking_by_tokens_visits_every_function_once(many, page_size, max_items):
    seen: list[str] = []
    args = ["list-functions", "--page-size", str(page_size), "--max-items", str(max_items)]
    token = None
    for _ in range(COUNT + 1):
        page = many(*args, *(["--starting-token", token] if token else [])).json
        assert len(page["Functions"]) <= max_items
        seen += names_of(page)
        token = page.get("NextToken")
        if not token:
            break
    assert seen == NAMES


def test_query_runs_after_merging(many):
    assert many("list-functions", "--query", "length(Functions)").json == COUNT
    assert many("list-functions", "--query", "Functions[-1].FunctionName").json == NAMES[-1]
    out = many("list-functions", "--max-items", "2", "--query", "Functions[].FunctionName").json
    assert out == NAMES[:2]


def test_text_output_of_merged_pages(many):
    out = many("list-functions", "--output", "text", "--query", "Functions[].FunctionName").stdout
    assert out.split() == NAMES


def test_max_items_over_the_model_range_for_page_size(many):
    result = many("list-functions", "--no-paginate", "--page-size", "10001", rc=254)
    assert "Member must have value less than or equal to 10000" in result.stderr


def names_of(page: dict) -> list[str]:
    return [item["FunctionName"] for item in page["Functions"]]


@pytest.mark.parametrize("extra", [[], ["--no-paginate"]])
def test_page_size_under_the_minimum_is_a_client_error(many, extra):
    result = many("list-functions", "--page-size", "0", *extra, rc=252)
    assert result.stderr == "\nParameter validation failed:\nInvalid value for parameter MaxItems, value: 0, valid min value: 1\n"
