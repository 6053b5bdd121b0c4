"""HTTP APIs (``apigatewayv2``): routes, integrations, stages and Lambda authorizers in front of
functions, managed as ``aws apigatewayv2`` and served by ``serve`` (see ``serving.py``)."""
