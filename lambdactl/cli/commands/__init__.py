"""Hand-written commands, only where the aws CLI has hand-written ones or lambdactl adds its own
(``serve``, ``drain``, ``docker``, ``s3 cp``, ``logs tail``, ...); every other command is built from
the service model (``cli/factory.py``, ``commands/services.py``)."""
