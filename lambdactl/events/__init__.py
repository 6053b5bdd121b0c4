"""Asynchronous work: the async invocation queue (``queue``), the worker that drains it with retries and
destinations (``worker``, ``destinations``), the event-source-mapping pollers (``pollers``), and how
other processes find or start the state directory's one background worker (``background``)."""
