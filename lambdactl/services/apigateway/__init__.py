"""REST APIs (``apigateway``): resources, methods, Lambda proxy integrations, deployments, stages and
TOKEN/REQUEST authorizers, managed as ``aws apigateway`` and served by ``serve`` (see ``serving.py``).

What both flavours share (storage as documents, serving) is ``services/apigateway_common``;
``server/apis.py`` tells which flavour an API is.
"""
