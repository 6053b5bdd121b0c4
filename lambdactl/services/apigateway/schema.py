"""The apigateway tables: its resources as documents (see services/apigateway_common/documents.py)."""

from lambdactl.services.apigateway_common.documents import migrations

MIGRATIONS = migrations("apigateway")
