"""Embedded SQS: queues with SQS semantics (``queues``) and the ``sqs:*`` operations (``operations``).

Its tables (``sqs_queues``, ``sqs_messages``, ``sqs_dedup``) are the core migration ``event_sources``
in ``lambdactl/state/migrations.py``: they predate per-service schemas, and existing state
directories already hold them at that step.
"""
