"""REST APIs (``apigateway``): resources, methods, Lambda proxy integrations, deployments, stages and
TOKEN/REQUEST authorizers, managed as ``aws apigateway`` and served by ``serve`` (see ``serving.py``).

``gateway.py`` holds what both flavours share when serving: the local invoke URLs, the
integration call through the control plane (permission check, integration timeout) and
Lambda authorizers with their result cache.
"""
