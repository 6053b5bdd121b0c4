"""lambdactl: AWS Lambda on your own machine, driven like `aws lambda`."""

__version__ = "0.1.0"
