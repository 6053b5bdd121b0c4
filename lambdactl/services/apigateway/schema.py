"""The apigateway tables: its resources as documents (see services/apigateway/documents.py)."""

from lambdactl.services.apigateway.documents import migrations

MIGRATIONS = migrations("apigateway")
