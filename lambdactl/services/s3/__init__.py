"""The embedded S3: buckets and objects in the state directory, notifications to functions and queues.

- ``schema.py``: the tables (buckets, objects, multipart uploads and their parts).
- ``storage.py``: buckets and objects; bytes live in the content-addressed ``BlobStore`` and a row
  points at them only once they are fully stored, so an object is visible whole or not at all.
- ``notifications.py``: the bucket's notification configuration, its validation and the event
  records each stored or removed object sends (enqueued in the same transaction as the change).
- ``operations.py``: the ``s3:<Operation>`` control-plane operations (botocore's s3 shapes).
"""
