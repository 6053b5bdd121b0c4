"""The execution path: environments that run a function's code and the Runtime API they talk to.

An ``environment.Environment`` starts a runtime process through a backend (``lambdactl.backends``)
with a ``RuntimeAPI`` (``api``) it long-polls, as on Lambda; the bootstraps in ``bootstraps/``
(Python, Node) and ``java/`` speak that API like the official runtime clients. ``pool`` keeps warm
environments under ``serve`` and the background worker; ``interpreters``/``jvm`` find the host's
runtimes; ``reports`` writes START/END/REPORT lines; ``states`` is the environment's state machine.
Every backend goes through this one path.
"""
