package lambdactl.javaruntime;

import com.amazonaws.services.lambda.runtime.Client;
import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.LambdaRuntime;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** One invocation's Context, from the /next headers and the environment. */
final class InvocationContext implements Context {
    private static final Map<String, String> ENV = System.getenv();

    private final String requestId;
    private final String functionArn;
    private final long deadlineMs;
    private final CognitoIdentity identity;
    private final ClientContext clientContext;

    InvocationContext(String requestId, String functionArn, long deadlineMs, String cognitoJson, String clientJson) {
        this.requestId = requestId;
        this.functionArn = functionArn;
        this.deadlineMs = deadlineMs;
        this.identity = cognitoJson == null || cognitoJson.isEmpty() ? null : identity(map(Json.parse(cognitoJson)));
        this.clientContext = clientJson == null || clientJson.isEmpty() ? null : client(map(Json.parse(clientJson)));
    }

    public String getAwsRequestId() { return requestId; }
    public String getLogGroupName() { return ENV.get("AWS_LAMBDA_LOG_GROUP_NAME"); }
    public String getLogStreamName() { return ENV.get("AWS_LAMBDA_LOG_STREAM_NAME"); }
    public String getFunctionName() { return ENV.get("AWS_LAMBDA_FUNCTION_NAME"); }
    public String getFunctionVersion() { return ENV.get("AWS_LAMBDA_FUNCTION_VERSION"); }
    public String getInvokedFunctionArn() { return functionArn; }
    public CognitoIdentity getIdentity() { return identity; }
    public ClientContext getClientContext() { return clientContext; }
    public int getRemainingTimeInMillis() { return (int) Math.max(0, deadlineMs - System.currentTimeMillis()); }
    public int getMemoryLimitInMB() { return Integer.parseInt(ENV.getOrDefault("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")); }
    public LambdaLogger getLogger() { return LambdaRuntime.getLogger(); }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return value instanceof Map ? (Map<String, Object>) value : Collections.<String, Object>emptyMap();
    }

    private static String text(Map<String, Object> map, String key) {
        Object value = map.get(key);
        return value == null ? null : value.toString();
    }

    private static Map<String, String> strings(Object value) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : map(value).entrySet()) {
            out.put(e.getKey(), e.getValue() == null ? null : e.getValue().toString());
        }
        return out;
    }

    private static CognitoIdentity identity(final Map<String, Object> m) {
        return new CognitoIdentity() {
            public String getIdentityId() { return text(m, "cognitoIdentityId"); }
            public String getIdentityPoolId() { return text(m, "cognitoIdentityPoolId"); }
        };
    }

    private static ClientContext client(Map<String, Object> m) {
        final Map<String, Object> c = map(m.get("client"));
        final Map<String, String> custom = strings(m.get("custom"));
        final Map<String, String> env = strings(m.get("env"));
        final Client client = new Client() {
            public String getInstallationId() { return text(c, "installation_id"); }
            public String getAppTitle() { return text(c, "app_title"); }
            public String getAppVersionName() { return text(c, "app_version_name"); }
            public String getAppVersionCode() { return text(c, "app_version_code"); }
            public String getAppPackageName() { return text(c, "app_package_name"); }
        };
        return new ClientContext() {
            public Client getClient() { return client; }
            public Map<String, String> getCustom() { return custom; }
            public Map<String, String> getEnvironment() { return env; }
        };
    }
}
