"""Lambda's control plane: every Lambda API operation, one module per area (functions, versions and
aliases, layers, invoke, concurrency, mappings, policies, URLs, ...), registered with
``@operation("Name")`` on the dispatcher (``lambdactl.plane``; ``plane/index.py`` says which module
holds which operation). Records are read and written through ``records``; invocations get an
execution environment from ``plane.environments`` (``environments``)."""
