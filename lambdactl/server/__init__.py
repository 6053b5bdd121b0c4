"""``lambdactl serve``: the AWS HTTP APIs on one port (``app``), for boto3 and ``aws --endpoint-url``.

``app`` reads requests (HTTP/1.1 rules in ``lambdactl.http11``), finds the service a request is for
(``services``: SigV4 scope, ``X-Amz-Target``, path), decodes it with the service's wire protocol
(``lambdactl.protocols``) and calls the one dispatcher (``lambdactl.plane``), so the CLI and the
server run the same operations; function URL requests go to ``control/url_requests.py``, API Gateway
requests to ``apis`` (REST or HTTP API). ``serve`` runs the server with a warm pool and the async
worker, ``worker`` is the background worker process (the same without ``serve.json``), ``environments``
where invocations run (one-shot or warm, with the embedded services' endpoint from ``hosting``);
``state/discovery.py`` lets other commands find a running server, ``client`` is the CLI's way of
talking to one.
"""
