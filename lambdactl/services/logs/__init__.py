"""CloudWatch Logs, read-only, over the function logs lambdactl keeps (``lambdactl.control.logs``):
log groups, their streams and events, so SDK-based tests can read what a function printed."""
