"""Embedded Kinesis: streams with Kinesis semantics (``streams``) and the ``kinesis:*`` operations.

DynamoDB streams reuse this storage. Its tables (``streams``, ``stream_shards``, ``stream_records``)
are the core migration ``event_sources`` in ``lambdactl/state/migrations.py``: they predate
per-service schemas, and existing state directories already hold them at that step.
"""
