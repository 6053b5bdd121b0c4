"""The properties each resource type takes, so a misspelled one is refused before anything is deployed,
as SAM's translator and CloudFormation refuse it (they never ignore one).

``AWS::Serverless::*``, their ``Events`` and ``Globals``: the ``property_types`` of SAM's resources and event
sources and its Globals plugin's ``supported_properties``, as aws-sam-translator 1.115.0 has them (the
translator SAM CLI runs; its messages here are checked against it); SAM says ``property Runtme not defined for
resource of type AWS::Serverless::Function``. Plain types: the writable ``properties`` of CloudFormation's resource
schemas (as cfn-lint 1.58.0 ships them for us-east-1), for the types lambdactl deploys; CloudFormation says
``Encountered unsupported property Runtme``. Types lambdactl skips (IAM, SNS...) are not checked here.
Resource attributes (``DependsOn``, ``Condition``, ``Metadata``...) sit beside ``Properties``, not in it.
"""

from __future__ import annotations

from typing import Any

from lambdactl.templates.loader import TemplateError

ATTRIBUTES = {"Type", "Properties", "DependsOn", "Condition", "Metadata", "DeletionPolicy", "UpdateReplacePolicy",
              "UpdatePolicy", "CreationPolicy"}  # fmt: skip
SAM_ATTRIBUTES = {"IgnoreGlobals", "Connectors"}  # SAM's own, consumed by its transform

SAM = {
    "AWS::Serverless::Api": (
        "AccessLogSetting AlwaysDeploy ApiKeySourceType Auth BinaryMediaTypes CacheClusterEnabled "
        "CacheClusterSize CanarySetting Cors DefinitionBody DefinitionUri Description "
        "DisableExecuteApiEndpoint Domain EndpointAccessMode EndpointConfiguration FailOnWarnings "
        "GatewayResponses MergeDefinitions MethodSettings MinimumCompressionSize Mode Models Name "
        "OpenApiVersion Policy PropagateTags SecurityPolicy StageName Tags TracingEnabled Variables"
    ),
    "AWS::Serverless::Application": "Location NotificationARNs Parameters Tags TemplateUrl TimeoutInMinutes",
    "AWS::Serverless::CapacityProvider": (
        "CapacityProviderName InstanceRequirements KmsKeyArn LoggingConfig ManagedResourceTags OperatorRole "
        "PropagateTags ScalingConfig Tags VpcConfig"
    ),
    "AWS::Serverless::Connector": "Destination Permissions Source",
    "AWS::Serverless::Function": (
        "Architectures AssumeRolePolicyDocument AutoPublishAlias AutoPublishAliasAllProperties "
        "AutoPublishCodeSha256 CapacityProviderConfig CodeSigningConfigArn CodeUri DeadLetterQueue "
        "DeploymentPreference Description DurableConfig Environment EphemeralStorage EventInvokeConfig Events "
        "FileSystemConfigs FunctionName FunctionScalingConfig FunctionUrlConfig Handler ImageConfig ImageUri "
        "InlineCode KmsKeyArn Layers LoggingConfig MemorySize PackageType PermissionsBoundary Policies "
        "PropagateTags ProvisionedConcurrencyConfig PublishToLatestPublished RecursiveLoop "
        "ReservedConcurrentExecutions Role RolePath Runtime RuntimeManagementConfig SnapStart SourceKMSKeyArn "
        "Tags TenancyConfig Timeout Tracing VersionDeletionPolicy VersionDescription VpcConfig"
    ),
    "AWS::Serverless::GraphQLApi": (
        "ApiKeys Auth Cache DataSources DomainName Functions IntrospectionConfig Logging Name OwnerContact "
        "QueryDepthLimit ResolverCountLimit Resolvers SchemaInline SchemaUri Tags Visibility XrayEnabled"
    ),
    "AWS::Serverless::HttpApi": (
        "AccessLogSettings Auth CorsConfiguration DefaultRouteSettings DefinitionBody DefinitionUri "
        "Description DisableExecuteApiEndpoint Domain FailOnWarnings Name PropagateTags RouteSettings "
        "StageName StageVariables Tags"
    ),
    "AWS::Serverless::LayerVersion": (
        "CompatibleArchitectures CompatibleRuntimes ContentUri Description LayerName LicenseInfo "
        "PublishLambdaVersion RetentionPolicy"
    ),
    "AWS::Serverless::MicrovmImage": (
        "AdditionalOsCapabilities BaseImageArn BaseImageVersion BuildRoleArn CodeUri CpuConfigurations "
        "Description EgressNetworkConnectors EnvironmentVariables Hooks Logging Name PropagateTags Resources "
        "Tags"
    ),
    "AWS::Serverless::NetworkConnector": "ComputeTypes Name OperatorRole PropagateTags Tags VpcConfig",
    "AWS::Serverless::SimpleTable": "PointInTimeRecoverySpecification PrimaryKey ProvisionedThroughput SSESpecification TableName Tags",
    "AWS::Serverless::StateMachine": (
        "AutoPublishAlias Definition DefinitionSubstitutions DefinitionUri DeploymentPreference Events "
        "Logging Name PermissionsBoundary Policies PropagateTags Role RolePath Tags Tracing Type "
        "UseAliasAsEventTarget"
    ),
    "AWS::Serverless::WebFunction": (
        "AuthType AutoDeploymentMode CodeUri EgressNetworkConnectorArn EndpointDescription EndpointName "
        "EndpointType EntryPoint EnvironmentVariables ExecutionRoleArn FunctionName InlineCode KmsKeyArn "
        "LoggingConfig MaxConcurrencyPerEnvironment ReplicaRegions RevisionDescription RevisionWeights "
        "Runtime ScalingConfig Tags ThrottleConfig Timeout"
    ),
    "AWS::Serverless::WebSocketApi": (
        "AccessLogSettings ApiKeySelectionExpression Auth DefaultRouteSettings Description "
        "DisableExecuteApiEndpoint DisableSchemaValidation Domain FailOnWarnings IpAddressType Name "
        "PropagateTags RouteSelectionExpression RouteSettings Routes StageName StageVariables Tags"
    ),
}
CLOUDFORMATION = {
    "AWS::ApiGateway::Authorizer": (
        "AuthType AuthorizerCredentials AuthorizerResultTtlInSeconds AuthorizerUri IdentitySource "
        "IdentityValidationExpression Name ProviderARNs RestApiId Type"
    ),
    "AWS::ApiGateway::Deployment": "DeploymentCanarySettings Description RestApiId StageDescription StageName",
    "AWS::ApiGateway::Method": (
        "ApiKeyRequired AuthorizationScopes AuthorizationType AuthorizerId HttpMethod Integration "
        "MethodResponses OperationName RequestModels RequestParameters RequestValidatorId ResourceId "
        "RestApiId"
    ),
    "AWS::ApiGateway::Resource": "ParentId PathPart RestApiId",
    "AWS::ApiGateway::RestApi": (
        "ApiKeySourceType BinaryMediaTypes Body BodyS3Location CloneFrom Description "
        "DisableExecuteApiEndpoint EndpointAccessMode EndpointConfiguration FailOnWarnings "
        "MinimumCompressionSize Mode Name Parameters Policy SecurityPolicy Tags Version"
    ),
    "AWS::ApiGateway::Stage": (
        "AccessLogSetting CacheClusterEnabled CacheClusterSize CanarySetting ClientCertificateId DeploymentId "
        "Description DocumentationVersion MethodSettings RestApiId StageName Tags TracingEnabled Variables"
    ),
    "AWS::ApiGatewayV2::Api": (
        "ApiKeySelectionExpression BasePath Body BodyS3Location CorsConfiguration CredentialsArn Description "
        "DisableExecuteApiEndpoint DisableSchemaValidation FailOnWarnings IpAddressType Name ProtocolType "
        "RouteKey RouteSelectionExpression Tags Target Version"
    ),
    "AWS::ApiGatewayV2::Authorizer": (
        "ApiId AuthorizerCredentialsArn AuthorizerPayloadFormatVersion AuthorizerResultTtlInSeconds "
        "AuthorizerType AuthorizerUri EnableSimpleResponses IdentitySource IdentityValidationExpression "
        "JwtConfiguration Name"
    ),
    "AWS::ApiGatewayV2::Integration": (
        "ApiId ConnectionId ConnectionType ContentHandlingStrategy CredentialsArn Description "
        "IntegrationMethod IntegrationSubtype IntegrationType IntegrationUri PassthroughBehavior "
        "PayloadFormatVersion RequestParameters RequestTemplates ResponseParameters "
        "TemplateSelectionExpression TimeoutInMillis TlsConfig"
    ),
    "AWS::ApiGatewayV2::Route": (
        "ApiId ApiKeyRequired AuthorizationScopes AuthorizationType AuthorizerId ModelSelectionExpression "
        "OperationName RequestModels RequestParameters RouteKey RouteResponseSelectionExpression Target"
    ),
    "AWS::ApiGatewayV2::Stage": (
        "AccessLogSettings ApiId AutoDeploy ClientCertificateId DefaultRouteSettings DeploymentId Description "
        "RouteSettings StageName StageVariables Tags"
    ),
    "AWS::DynamoDB::Table": (
        "AttributeDefinitions BillingMode ContributorInsightsSpecification DeletionProtectionEnabled "
        "GlobalSecondaryIndexes ImportSourceSpecification KeySchema KinesisStreamSpecification "
        "LocalSecondaryIndexes OnDemandThroughput PointInTimeRecoverySpecification ProvisionedThroughput "
        "ResourcePolicy SSESpecification StreamSpecification TableClass TableName Tags "
        "TimeToLiveSpecification VectorIndexes WarmThroughput"
    ),
    "AWS::Events::Rule": "Description EventBusName EventPattern Name RoleArn ScheduleExpression State Tags Targets",
    "AWS::Kinesis::Stream": (
        "DesiredShardLevelMetrics MaxRecordSizeInKiB Name RecordDistributionStrategy RetentionPeriodHours "
        "ShardCount StreamEncryption StreamModeDetails Tags WarmThroughputMiBps"
    ),
    "AWS::Lambda::Alias": "Description FunctionName FunctionVersion Name ProvisionedConcurrencyConfig RoutingConfig",
    "AWS::Lambda::EventInvokeConfig": "DestinationConfig FunctionName MaximumEventAgeInSeconds MaximumRetryAttempts Qualifier",
    "AWS::Lambda::EventSourceMapping": (
        "AmazonManagedKafkaEventSourceConfig BatchSize BisectBatchOnFunctionError DestinationConfig "
        "DocumentDBEventSourceConfig Enabled EventSourceArn FilterCriteria FunctionName FunctionResponseTypes "
        "KmsKeyArn LoggingConfig MaximumBatchingWindowInSeconds MaximumRecordAgeInSeconds "
        "MaximumRetryAttempts MetricsConfig ParallelizationFactor ProvisionedPollerConfig Queues "
        "ScalingConfig SelfManagedEventSource SelfManagedKafkaEventSourceConfig SourceAccessConfigurations "
        "StartingPosition StartingPositionTimestamp Tags Topics TumblingWindowInSeconds"
    ),
    "AWS::Lambda::Function": (
        "Architectures CapacityProviderConfig Code CodeSigningConfigArn DeadLetterConfig Description "
        "DurableConfig Environment EphemeralStorage FileSystemConfigs FunctionName FunctionScalingConfig "
        "Handler ImageConfig KmsKeyArn Layers LoggingConfig MemorySize PackageType PublishToLatestPublished "
        "RecursiveLoop ReservedConcurrentExecutions Role Runtime RuntimeManagementConfig SnapStart Tags "
        "TenancyConfig Timeout TracingConfig VpcConfig"
    ),
    "AWS::Lambda::LayerVersion": "CompatibleArchitectures CompatibleRuntimes Content Description LayerName LicenseInfo",
    "AWS::Lambda::Permission": (
        "Action EventSourceToken FunctionName FunctionUrlAuthType InvokedViaFunctionUrl Principal "
        "PrincipalOrgID SourceAccount SourceArn"
    ),
    "AWS::Lambda::Url": "AuthType Cors InvokeMode Qualifier TargetFunctionArn",
    "AWS::Lambda::Version": "CodeSha256 Description FunctionName FunctionScalingConfig ProvisionedConcurrencyConfig RuntimePolicy",
    "AWS::S3::Bucket": (
        "AbacStatus AccelerateConfiguration AccessControl AnalyticsConfigurations BucketEncryption BucketName "
        "BucketNamePrefix BucketNamespace CorsConfiguration IntelligentTieringConfigurations "
        "InventoryConfigurations LifecycleConfiguration LoggingConfiguration MetadataConfiguration "
        "MetadataTableConfiguration MetricsConfigurations NotificationConfiguration ObjectLockConfiguration "
        "ObjectLockEnabled OwnershipControls PublicAccessBlockConfiguration ReplicationConfiguration Tags "
        "VersioningConfiguration WebsiteConfiguration"
    ),
    "AWS::SQS::Queue": (
        "ContentBasedDeduplication DeduplicationScope DelaySeconds FifoQueue FifoThroughputLimit "
        "KmsDataKeyReusePeriodSeconds KmsMasterKeyId MaximumMessageSize MessageRetentionPeriod QueueName "
        "ReceiveMessageWaitTimeSeconds RedriveAllowPolicy RedrivePolicy SqsManagedSseEnabled Tags "
        "VisibilityTimeout"
    ),
    "AWS::Scheduler::Schedule": (
        "Description EndDate FlexibleTimeWindow GroupName KmsKeyArn Name ScheduleExpression "
        "ScheduleExpressionTimezone StartDate State Target"
    ),
}
# SAM defines these event types with one property list each (a stream's mapping; an EventBridge rule)
_STREAM_EVENT = (
    "BatchSize BisectBatchOnFunctionError ConsumerGroupId DestinationConfig Enabled FilterCriteria "
    "FunctionResponseTypes KafkaBootstrapServers KmsKeyArn LoggingConfig MaximumBatchingWindowInSeconds "
    "MaximumRecordAgeInSeconds MaximumRetryAttempts MetricsConfig ParallelizationFactor "
    "ProvisionedPollerConfig Queues ScalingConfig SchemaRegistryConfig SecretsManagerKmsKeyId "
    "SourceAccessConfigurations StartingPosition StartingPositionTimestamp Stream Topics "
    "TumblingWindowInSeconds"
)
_RULE_EVENT = (
    "DeadLetterConfig Enabled EventBusName Input InputPath InputTransformer Pattern RetryPolicy RuleName "
    "State Target"
)
# each event type of a function's Events: what its Properties take
EVENTS = {
    "AlexaSkill": "SkillId",
    "Api": "Auth Method Path RequestModel RequestParameters ResponseTransferMode RestApiId Stage TimeoutInMillis",
    "CloudWatchEvent": _RULE_EVENT,
    "CloudWatchLogs": "FilterPattern LogGroupName",
    "Cognito": "Trigger UserPool",
    "DocumentDB": (
        "BatchSize BisectBatchOnFunctionError Cluster CollectionName ConsumerGroupId DatabaseName "
        "DestinationConfig Enabled FilterCriteria FullDocument FunctionResponseTypes KafkaBootstrapServers "
        "KmsKeyArn LoggingConfig MaximumBatchingWindowInSeconds MaximumRecordAgeInSeconds "
        "MaximumRetryAttempts MetricsConfig ParallelizationFactor ProvisionedPollerConfig Queues "
        "ScalingConfig SchemaRegistryConfig SecretsManagerKmsKeyId SourceAccessConfigurations "
        "StartingPosition StartingPositionTimestamp Topics TumblingWindowInSeconds"
    ),
    "DynamoDB": _STREAM_EVENT,
    "EventBridgeRule": _RULE_EVENT,
    "HttpApi": "ApiId Auth Method Path PayloadFormatVersion RouteSettings Stage TimeoutInMillis",
    "IoTRule": "AwsIotSqlVersion Sql",
    "Kinesis": _STREAM_EVENT,
    "MQ": (
        "BatchSize BisectBatchOnFunctionError Broker ConsumerGroupId DestinationConfig DynamicPolicyName "
        "Enabled FilterCriteria FunctionResponseTypes KafkaBootstrapServers KmsKeyArn LoggingConfig "
        "MaximumBatchingWindowInSeconds MaximumRecordAgeInSeconds MaximumRetryAttempts MetricsConfig "
        "ParallelizationFactor ProvisionedPollerConfig Queues ScalingConfig SchemaRegistryConfig "
        "SecretsManagerKmsKeyId SourceAccessConfigurations StartingPosition StartingPositionTimestamp Topics "
        "TumblingWindowInSeconds"
    ),
    "MSK": _STREAM_EVENT,
    "S3": "Bucket Events Filter",
    "SNS": "FilterPolicy FilterPolicyScope RedrivePolicy Region SqsSubscription Topic",
    "SQS": (
        "BatchSize BisectBatchOnFunctionError ConsumerGroupId DestinationConfig Enabled FilterCriteria "
        "FunctionResponseTypes KafkaBootstrapServers KmsKeyArn LoggingConfig MaximumBatchingWindowInSeconds "
        "MaximumRecordAgeInSeconds MaximumRetryAttempts MetricsConfig ParallelizationFactor "
        "ProvisionedPollerConfig Queue Queues ScalingConfig SchemaRegistryConfig SecretsManagerKmsKeyId "
        "SourceAccessConfigurations StartingPosition StartingPositionTimestamp Topics TumblingWindowInSeconds"
    ),
    "Schedule": "DeadLetterConfig Description Enabled Input Name RetryPolicy RuleName Schedule State",
    "ScheduleV2": (
        "DeadLetterConfig Description EndDate FlexibleTimeWindow GroupName Input KmsKeyArn Name OmitName "
        "PermissionsBoundary RetryPolicy RoleArn ScheduleExpression ScheduleExpressionTimezone StartDate "
        "State"
    ),
    "SelfManagedKafka": (
        "BatchSize BisectBatchOnFunctionError ConsumerGroupId DestinationConfig Enabled FilterCriteria "
        "FunctionResponseTypes KafkaBootstrapServers KmsKeyArn LoggingConfig MaximumBatchingWindowInSeconds "
        "MaximumRecordAgeInSeconds MaximumRetryAttempts MetricsConfig ParallelizationFactor "
        "ProvisionedPollerConfig Queues ScalingConfig SchemaRegistryConfig SecretsManagerKmsKeyId "
        "SourceAccessConfigurations StartingPosition StartingPositionTimestamp Topics TumblingWindowInSeconds"
    ),
}

# what each section of SAM's Globals takes, in the order SAM lists them
GLOBALS = {
    "Function": (
        "Handler Runtime CodeUri DeadLetterQueue Description MemorySize Timeout VpcConfig Environment Tags "
        "PropagateTags Tracing KmsKeyArn AutoPublishAlias AutoPublishAliasAllProperties Layers "
        "DeploymentPreference RolePath PermissionsBoundary ReservedConcurrentExecutions "
        "ProvisionedConcurrencyConfig AssumeRolePolicyDocument EventInvokeConfig FileSystemConfigs "
        "CodeSigningConfigArn Architectures SnapStart EphemeralStorage FunctionUrlConfig "
        "RuntimeManagementConfig LoggingConfig RecursiveLoop SourceKMSKeyArn TenancyConfig DurableConfig "
        "CapacityProviderConfig FunctionScalingConfig PublishToLatestPublished VersionDeletionPolicy"
    ),
    "Api": (
        "Auth Name DefinitionUri CacheClusterEnabled CacheClusterSize MergeDefinitions Variables "
        "EndpointConfiguration MethodSettings BinaryMediaTypes MinimumCompressionSize Cors GatewayResponses "
        "AccessLogSetting CanarySetting TracingEnabled OpenApiVersion Domain AlwaysDeploy PropagateTags "
        "SecurityPolicy EndpointAccessMode"
    ),
    "HttpApi": (
        "Auth AccessLogSettings StageVariables Tags CorsConfiguration DefaultRouteSettings Domain "
        "RouteSettings FailOnWarnings PropagateTags"
    ),
    "SimpleTable": "SSESpecification",
    "StateMachine": "PropagateTags",
    "LayerVersion": "PublishLambdaVersion",
    "CapacityProvider": (
        "VpcConfig OperatorRole Tags InstanceRequirements ScalingConfig KmsKeyArn PropagateTags LoggingConfig "
        "ManagedResourceTags"
    ),
    "MicrovmImage": (
        "BuildRoleArn BaseImageArn BaseImageVersion Logging EgressNetworkConnectors CpuConfigurations "
        "Resources AdditionalOsCapabilities Hooks EnvironmentVariables Tags PropagateTags"
    ),
    "NetworkConnector": "OperatorRole Tags PropagateTags",
    "WebSocketApi": (
        "AccessLogSettings ApiKeySelectionExpression DefaultRouteSettings DisableExecuteApiEndpoint "
        "DisableSchemaValidation Domain FailOnWarnings IpAddressType PropagateTags RouteSelectionExpression "
        "RouteSettings StageVariables Tags"
    ),
}


class TransformError(TemplateError):
    """SAM's translator refused the template (its ``InvalidDocumentException``, every cause in one line)."""


def invalid_resource(logical_id: str, message: str) -> TransformError:
    """SAM's refusal of one resource (its ``InvalidResourceException``)."""
    return TransformError("Invalid Serverless Application Specification document. Number of errors found: 1. "
                          f"Resource with id [{logical_id}] is invalid. {message}")


class UnsupportedProperty(TemplateError):
    """CloudFormation would fail resource ``logical_id`` with ``reason``."""

    def __init__(self, logical_id: str, kind: str, reason: str) -> None:
        super().__init__(f"Resource {logical_id} ({kind}): {reason}")
        self.logical_id, self.kind, self.reason = logical_id, kind, reason


def _check_globals(sections: Any) -> None:
    """SAM's Globals plugin, which runs first: an unknown section or property is the one error it reports."""
    if sections is None:
        return

    def invalid(message: str) -> TransformError:
        return TransformError("Invalid Serverless Application Specification document. Number of errors found: 1. "
                              f"'Globals' section is invalid. {message}")

    if not isinstance(sections, dict):
        raise invalid("It must be a non-empty dictionary")
    for section, values in sections.items():
        if section not in GLOBALS:
            raise invalid(f"'{section}' is not supported. Must be one of the following values - {sorted(GLOBALS)}")
        if not isinstance(values, dict):
            raise invalid("Value of ${section} must be a dictionary")  # sic: SAM's f-string lacks its f
        supported = GLOBALS[section].split()
        for key in values:
            if key not in supported:
                raise invalid(f"'{key}' is not a supported property of '{section}'. Must be one of the following values - {supported}")


def _unknown(props: Any, known: str | None) -> str | None:
    """The first property of ``props`` not in ``known`` (None: all known, or nothing to check against)."""
    if known is None or not isinstance(props, dict):
        return None
    allowed = set(known.split())
    return next((name for name in props if name not in allowed), None)


def _sam_cause(lid: str, kind: str, props: dict[str, Any]) -> str | None:
    """SAM's cause for a resource: its own first undefined property, else its first event's (each event is a
    resource ``<Function><Event>`` of the event's type to SAM)."""
    extra, where, of = _unknown(props, SAM.get(kind)), lid, kind
    events = props.get("Events") if kind == "AWS::Serverless::Function" else None
    for name, event in events.items() if extra is None and isinstance(events, dict) else ():
        of = str(event.get("Type")) if isinstance(event, dict) else ""
        extra, where = _unknown((event or {}).get("Properties"), EVENTS.get(of)), f"{lid}{name}"
        if extra is not None:
            break
    return None if extra is None else f"Resource with id [{where}] is invalid. property {extra} not defined for resource of type {of}"


def check(template: dict[str, Any]) -> None:
    """Refuse what SAM's Globals do not take, a resource key no resource has (CloudFormation's ValidationError),
    every ``AWS::Serverless::*`` property (or event property) SAM does not define (all such resources in one
    TransformError, as SAM reports them), then the first property of a plain type CloudFormation does not support."""
    _check_globals(template.get("Globals"))
    causes = []
    unsupported = None
    for lid, body in template["Resources"].items():
        if not isinstance(body, dict):
            continue
        kind = str(body.get("Type"))
        serverless = kind.startswith("AWS::Serverless::")
        for key in body:
            if key not in ATTRIBUTES and not (serverless and key in SAM_ATTRIBUTES):
                raise TemplateError(f"Invalid template resource property '{key}'")
        props = body.get("Properties") or {}
        if not isinstance(props, dict):
            continue
        if serverless:
            cause = _sam_cause(lid, kind, props)
            if cause is not None:
                causes.append(cause)
        elif unsupported is None and (extra := _unknown(props, CLOUDFORMATION.get(kind))) is not None:
            unsupported = UnsupportedProperty(lid, kind, f"Encountered unsupported property {extra}")
    if causes:
        raise TransformError(f"Invalid Serverless Application Specification document. Number of errors found: {len(causes)}. "
                             + " ".join(causes))
    if unsupported is not None:
        raise unsupported
