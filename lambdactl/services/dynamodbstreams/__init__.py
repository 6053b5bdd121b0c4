"""Embedded DynamoDB Streams: one single-shard stream per table (``streams``, stored by
``lambdactl.services.kinesis.streams``) and the ``dynamodbstreams:*`` operations."""
