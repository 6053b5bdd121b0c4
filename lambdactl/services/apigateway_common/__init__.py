"""What REST APIs (``apigateway``) and HTTP APIs (``apigatewayv2``) share, below both: their resources
as JSON documents (``documents.py``, one table per flavour) and serving (``gateway.py``: the local
invoke URLs, the integration call through the control plane with its permission check and timeout,
Lambda authorizers and their cache, payload format 1.0; format 2.0 is function URLs' own,
``control/url_requests.py``). Not a service of its own: it registers no operations.
"""
