"""A Lambda authorizer (HTTP API, payload 2.0, simple responses): a bearer token names the user."""

TOKENS = {"Bearer let-me-in": "ada"}


def handler(event, context):
    token = (event.get("identitySource") or [""])[0]
    user = TOKENS.get(token)
    return {"isAuthorized": user is not None, "context": {"user": user or ""}}
