"""`lambdactl apigatewayv2 …`: commands built from the model, aws-CLI errors and exit codes."""

from __future__ import annotations

from typing import Any


def test_quick_create_and_listing(cli: Any, hello_zip: Any) -> None:
    cli("create-function", "--function-name", "hello", "--runtime", "python3.12", "--handler", "app.handler",
        "--zip-file", f"fileb://{hello_zip}")  # fmt: skip
    arn = "arn:aws:lambda:us-east-1:123456789012:function:hello"
    api = cli("apigatewayv2", "create-api", "--name", "web", "--protocol-type", "HTTP", "--target", arn,
              "--route-key", "GET /hello").json  # fmt: skip
    assert api["ApiEndpoint"].startswith(f"http://{api['ApiId']}.execute-api.localhost:")
    assert api["RouteSelectionExpression"] == "$request.method $request.path"
    routes = cli("apigatewayv2", "get-routes", "--api-id", api["ApiId"]).json["Items"]
    assert [r["RouteKey"] for r in routes] == ["GET /hello"]
    stages = cli("apigatewayv2", "get-stages", "--api-id", api["ApiId"]).json["Items"]
    assert [(s["StageName"], s["AutoDeploy"]) for s in stages] == [("$default", True)]
    assert stages[0]["LambdactlInvokeUrl"] == f"http://{api['ApiId']}.execute-api.localhost:3001/"  # no serve: its default port
    integration = cli("apigatewayv2", "get-integrations", "--api-id", api["ApiId"]).json["Items"][0]
    assert (integration["PayloadFormatVersion"], integration["IntegrationUri"]) == ("2.0", arn)
    text = cli("apigatewayv2", "get-apis", "--query", "Items[].Name", "--output", "text").stdout
    assert text.strip() == "web"


def test_bad_input_is_one_line_with_the_service_exit_code(cli: Any) -> None:
    api_id = cli("apigatewayv2", "create-api", "--name", "a", "--protocol-type", "HTTP").json["ApiId"]
    bad = cli("apigatewayv2", "create-route", "--api-id", api_id, "--route-key", "GET items", rc=254)
    assert bad.stderr.strip().startswith(
        "An error occurred (BadRequestException) when calling the CreateRoute operation: Invalid route key: GET items."
    )
    cli("apigatewayv2", "create-route", "--api-id", api_id, "--route-key", "GET /items/{id}")
    conflict = cli("apigatewayv2", "create-route", "--api-id", api_id, "--route-key", "GET /items/{id}", rc=254)
    assert "(ConflictException)" in conflict.stderr
    greedy = cli("apigatewayv2", "create-route", "--api-id", api_id, "--route-key", "ANY /{proxy+}/x", rc=254)
    assert "(BadRequestException)" in greedy.stderr
    missing = cli("apigatewayv2", "get-api", "--api-id", "nope", rc=254)
    assert missing.stderr.strip() == (
        "An error occurred (NotFoundException) when calling the GetApi operation: "
        "Invalid API identifier specified 123456789012:nope"
    )
    usage = cli("apigatewayv2", "create-api", "--name", "a", rc=252)
    assert "the following arguments are required: --protocol-type" in usage.stderr
