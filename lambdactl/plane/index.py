"""Which module of Lambda's control plane (``lambdactl/control/<module>.py``) implements each operation.

The dispatcher imports only the module of the operation it runs (start-up stays lean as the
control plane grows); it names modules here and never imports them statically, so the dispatcher
sits below the control plane. tests/control/test_index.py checks this table against what the
modules register with ``@operation``. Services beside Lambda need no entry: their package
``lambdactl/services/<service>`` is found by name.
"""

from __future__ import annotations

MODULES: dict[str, str] = {
    "account": "GetAccountSettings",
    "aliases": "CreateAlias GetAlias UpdateAlias DeleteAlias ListAliases",
    "code_signing": (
        "CreateCodeSigningConfig GetCodeSigningConfig UpdateCodeSigningConfig DeleteCodeSigningConfig "
        "ListCodeSigningConfigs ListFunctionsByCodeSigningConfig PutFunctionCodeSigningConfig "
        "GetFunctionCodeSigningConfig DeleteFunctionCodeSigningConfig"
    ),
    "concurrency": "PutFunctionConcurrency GetFunctionConcurrency DeleteFunctionConcurrency",
    "event_invoke_config": (
        "PutFunctionEventInvokeConfig UpdateFunctionEventInvokeConfig GetFunctionEventInvokeConfig "
        "DeleteFunctionEventInvokeConfig ListFunctionEventInvokeConfigs"
    ),
    "function_urls": (
        "CreateFunctionUrlConfig GetFunctionUrlConfig UpdateFunctionUrlConfig DeleteFunctionUrlConfig "
        "ListFunctionUrlConfigs"
    ),
    "function_settings": (
        "PutFunctionRecursionConfig GetFunctionRecursionConfig PutRuntimeManagementConfig "
        "GetRuntimeManagementConfig PutFunctionScalingConfig GetFunctionScalingConfig InvokeAsync"
    ),
    "functions": (
        "CreateFunction GetFunctionConfiguration GetFunction ListFunctions UpdateFunctionCode "
        "UpdateFunctionConfiguration DeleteFunction"
    ),
    "invoke": "Invoke InvokeWithResponseStream",
    "layers": (
        "PublishLayerVersion GetLayerVersion GetLayerVersionByArn ListLayers ListLayerVersions "
        "DeleteLayerVersion AddLayerVersionPermission GetLayerVersionPolicy RemoveLayerVersionPermission"
    ),
    "mappings": (
        "CreateEventSourceMapping GetEventSourceMapping UpdateEventSourceMapping DeleteEventSourceMapping "
        "ListEventSourceMappings"
    ),
    "policies": "AddPermission GetPolicy RemovePermission PutResourcePolicy GetResourcePolicy DeleteResourcePolicy",
    "provisioned": (
        "PutProvisionedConcurrencyConfig GetProvisionedConcurrencyConfig "
        "ListProvisionedConcurrencyConfigs DeleteProvisionedConcurrencyConfig"
    ),
    "tags": "TagResource UntagResource ListTags",
    "versions": "PublishVersion ListVersionsByFunction",
}

OPERATION_MODULES: dict[str, str] = {op: module for module, ops in MODULES.items() for op in ops.split()}


def supported_operations() -> list[str]:
    return sorted(OPERATION_MODULES)
