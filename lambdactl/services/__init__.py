"""The embedded AWS services beside Lambda, one package each.

A service lives in ``lambdactl/services/<service>/`` (the botocore service name: ``s3``,
``events``, ``scheduler``, ``apigatewayv2``, …) and holds:

- ``operations.py``: its operations, registered with ``@operation("<service>:<Operation>")``
  (model names). ``ControlPlane.call("<service>:<Operation>", params)`` imports this module on
  first use, so the CLI and ``serve`` reach it through the one dispatcher without a table here.
- ``schema.py``: its tables as a ``MIGRATIONS`` list of ``(name, sql)``, created on first use with
  ``plane.store.ensure_schema("<service>", MIGRATIONS)`` and recorded per service.
- its storage and any background work, in modules named for what they hold.

Its model is ``lambdactl/model/<service>.json`` (a trimmed botocore model, see ``model/build.py``);
its commands are built from that model (``cli/commands/services.py``). Lambda's own control plane
stays in ``lambdactl/control``.
"""
