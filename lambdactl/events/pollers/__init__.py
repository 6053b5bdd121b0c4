"""Event source mapping pollers: they run inside the async worker (``manager.Pollers``), one thread per
SQS poller slot or stream shard, and invoke functions with batches through the normal Invoke path."""
