package lambdactl.javaruntime;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.ZipFile;

/**
 * lambdactl's Java runtime: load the handler from the task root (its classes, then ``lib/*.jar``,
 * then the layers' ``java/lib/*.jar``), then loop on the Runtime API's /next, as the official
 * runtime interface client does.
 *
 * Usage: java -cp RUNTIME_CLASSES lambdactl.javaruntime.Bootstrap [HANDLER] (default: $_HANDLER).
 * The system property lambdactl.opt names the layers' directory (default /opt).
 */
public final class Bootstrap {
    private static final String VERSION = "2018-06-01";
    private final String base;

    private Bootstrap(String api) {
        this.base = "http://" + api + "/" + VERSION + "/runtime/";
    }

    public static void main(String[] args) throws Exception {
        String api = System.getenv("AWS_LAMBDA_RUNTIME_API");
        if (api == null) {
            System.err.println("Could not get environment variable AWS_LAMBDA_RUNTIME_API");
            System.exit(-1);
        }
        Bootstrap runtime = new Bootstrap(api);
        String handlerName = args.length > 0 ? args[0] : System.getenv("_HANDLER");
        Handler handler;
        try {
            ClassLoader loader = customerLoader(System.getenv().getOrDefault("LAMBDA_TASK_ROOT", System.getProperty("user.dir")),
                    System.getProperty("lambdactl.opt", "/opt"));
            handler = Handler.load(handlerName == null ? "" : handlerName, loader);
        } catch (Fault fault) {
            System.err.print(fault.logText());
            runtime.post("init/error", fault.document(), fault.errorType);
            System.exit(1);
            return;
        }
        runtime.loop(handler);
    }

    private void loop(Handler handler) throws Exception {
        while (true) {
            HttpURLConnection next = (HttpURLConnection) new URL(base + "invocation/next").openConnection();
            next.setReadTimeout(0);
            byte[] event = readAll(next.getInputStream());
            String requestId = next.getHeaderField("Lambda-Runtime-Aws-Request-Id");
            String trace = next.getHeaderField("Lambda-Runtime-Trace-Id");
            if (trace != null) {
                System.setProperty("com.amazonaws.xray.traceHeader", trace);
            } else {
                System.clearProperty("com.amazonaws.xray.traceHeader");
            }
            InvocationContext context = new InvocationContext(requestId, next.getHeaderField("Lambda-Runtime-Invoked-Function-Arn"),
                    parseLong(next.getHeaderField("Lambda-Runtime-Deadline-Ms")),
                    next.getHeaderField("Lambda-Runtime-Cognito-Identity"), next.getHeaderField("Lambda-Runtime-Client-Context"));
            byte[] response;
            try {
                response = handler.call(event, context);
            } catch (Throwable t) {
                Fault fault = t instanceof Fault ? (Fault) t : Fault.of(t);
                System.out.flush();
                System.err.print(fault.logText());
                System.err.flush();
                post("invocation/" + requestId + "/error", fault.document(),
                        fault.errorType == null ? "Runtime.Unknown" : fault.errorType);
                continue;
            }
            System.out.flush();
            System.err.flush();
            post("invocation/" + requestId + "/response", response, null);
        }
    }

    private void post(String path, String body, String errorType) throws IOException {
        post(path, body.getBytes(StandardCharsets.UTF_8), errorType);
    }

    private void post(String path, byte[] body, String errorType) throws IOException {
        HttpURLConnection c = (HttpURLConnection) new URL(base + path).openConnection();
        c.setRequestMethod("POST");
        c.setDoOutput(true);
        c.setFixedLengthStreamingMode(body.length);
        c.setRequestProperty("Content-Type", "application/json");
        if (errorType != null) {
            c.setRequestProperty("Lambda-Runtime-Function-Error-Type", errorType);
        }
        try (OutputStream out = c.getOutputStream()) {
            out.write(body);
        }
        InputStream in = c.getResponseCode() < 400 ? c.getInputStream() : c.getErrorStream();
        if (in != null) {
            readAll(in);
        }
    }

    /** The task root's classes, then its lib/*.jar, then the layers' java/lib/*.jar; a jar that is not a zip fails init. */
    private static ClassLoader customerLoader(String taskRoot, String opt) throws Exception {
        List<URL> urls = new ArrayList<>();
        urls.add(new File(taskRoot).toURI().toURL());
        for (File dir : new File[]{new File(taskRoot, "lib"), new File(opt, "java/lib")}) {
            File[] jars = dir.listFiles((d, name) -> name.endsWith(".jar"));
            if (jars == null) {
                continue;
            }
            Arrays.sort(jars);
            for (File jar : jars) {
                try (ZipFile ignored = new ZipFile(jar)) {
                    urls.add(jar.toURI().toURL());
                } catch (IOException e) {
                    throw new Fault("Could not open " + jar + " as a jar: " + e.getMessage(), e.getClass().getName(), e, true);
                }
            }
        }
        return new URLClassLoader(urls.toArray(new URL[0]), ClassLoader.getSystemClassLoader());
    }

    private static long parseLong(String value) {
        try {
            return value == null ? Long.MAX_VALUE : Long.parseLong(value);
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[65536];
        int n;
        while ((n = in.read(buffer)) > 0) {
            out.write(buffer, 0, n);
        }
        in.close();
        return out.toByteArray();
    }
}
