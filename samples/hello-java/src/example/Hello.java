// hello-java: the smallest Java function. Handler: example.Hello::handleRequest, runtime: java17.
// Built with javac against the interfaces lambdactl ships (no Maven):
//   javac -d build -cp "$(lambdactl runtimes java-classpath)" src/example/Hello.java
//   (cd build && python3 -m zipfile -c ../hello-java.zip example)
//   lambdactl create-function --function-name hello-java --runtime java17 \
//       --handler example.Hello::handleRequest --zip-file fileb://hello-java.zip
package example;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import java.util.Map;

public class Hello implements RequestHandler<Map<String, Object>, Map<String, Object>> {
    @Override
    public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
        System.out.println("hello from " + context.getFunctionName() + " (" + context.getAwsRequestId() + ")");
        return Map.of("hello", event.getOrDefault("name", "world"));
    }
}
