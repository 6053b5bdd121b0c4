"""Lambda's control plane: every Lambda API operation, one module per area (functions, versions and
aliases, layers, invoke, concurrency, mappings, policies, URLs, ...), registered with
``@operation("Name")`` on the dispatcher (``lambdactl.plane``; ``plane/index.py`` says which module
holds which operation). Records are read and written through ``records``; invocations get an
execution environment from ``plane.environments`` (``server/environments.py``) and async work goes
to the event machinery through ``plane.async_work``: both seams are given to the plane, so the
control plane imports neither the server nor ``lambdactl.events``."""
