package lambdactl.javaruntime;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.ZipFile;

/**
 * lambdactl's Java runtime: load the handler from the task root (its classes, then ``lib/*.jar``,
 * then the layers' ``java/lib/*.jar``), then loop on the Runtime API's /next, as the official
 * runtime interface client does. HTTP/1.1 over one kept-alive socket with TCP_NODELAY, each request
 * in one write: HttpURLConnection costs ~100 ms of class loading at cold start and writes a POST's
 * headers and body apart (~9 ms per warm invoke).
 *
 * Usage: java -cp RUNTIME_CLASSES lambdactl.javaruntime.Bootstrap [HANDLER] (default: $_HANDLER).
 * The system property lambdactl.opt names the layers' directory (default /opt).
 */
public final class Bootstrap {
    private static final String PREFIX = "/2018-06-01/runtime/";
    private final String host;
    private final int port;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    private Bootstrap(String api) {
        int colon = api.lastIndexOf(':');
        this.host = api.substring(0, colon);
        this.port = Integer.parseInt(api.substring(colon + 1));
    }

    /** A response: its headers (names lower-cased) and body. */
    private static final class Response {
        final Map<String, String> headers = new HashMap<>();
        byte[] body;

        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
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
            Response next = request("GET", "invocation/next", null, null);
            byte[] event = next.body;
            String requestId = next.header("Lambda-Runtime-Aws-Request-Id");
            String trace = next.header("Lambda-Runtime-Trace-Id");
            if (trace != null) {
                System.setProperty("com.amazonaws.xray.traceHeader", trace);
            } else {
                System.clearProperty("com.amazonaws.xray.traceHeader");
            }
            InvocationContext context = new InvocationContext(requestId, next.header("Lambda-Runtime-Invoked-Function-Arn"),
                    parseLong(next.header("Lambda-Runtime-Deadline-Ms")),
                    next.header("Lambda-Runtime-Cognito-Identity"), next.header("Lambda-Runtime-Client-Context"));
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
        request("POST", path, body, errorType);
    }

    /** One request on the kept-alive socket; a connection the server closed meanwhile is reopened once. */
    private Response request(String method, String path, byte[] body, String errorType) throws IOException {
        StringBuilder head = new StringBuilder(method).append(' ').append(PREFIX).append(path)
                .append(" HTTP/1.1\r\nHost: ").append(host).append(':').append(port).append("\r\n");
        if (body != null) {
            head.append("Content-Type: application/json\r\nContent-Length: ").append(body.length).append("\r\n");
        }
        if (errorType != null) {
            head.append("Lambda-Runtime-Function-Error-Type: ").append(errorType).append("\r\n");
        }
        byte[] headBytes = head.append("\r\n").toString().getBytes(StandardCharsets.UTF_8);
        byte[] message = new byte[headBytes.length + (body == null ? 0 : body.length)];
        System.arraycopy(headBytes, 0, message, 0, headBytes.length);
        if (body != null) {
            System.arraycopy(body, 0, message, headBytes.length, body.length);
        }
        for (int attempt = 0; ; attempt++) {
            boolean fresh = socket == null;
            try {
                if (fresh) {
                    socket = new Socket(host, port);
                    socket.setTcpNoDelay(true);
                    in = new BufferedInputStream(socket.getInputStream(), 65536);
                    out = socket.getOutputStream();
                }
                out.write(message);
                out.flush();
                return response();
            } catch (IOException e) {
                close();
                if (fresh || attempt > 0) {
                    throw e;
                }
            }
        }
    }

    private Response response() throws IOException {
        String status = line();
        if (status == null) {
            throw new IOException("the Runtime API closed the connection");
        }
        Response response = new Response();
        for (String line = line(); line != null && !line.isEmpty(); line = line()) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                response.headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
            }
        }
        String length = response.header("Content-Length");
        if (length != null) {
            response.body = new byte[Integer.parseInt(length)];
            int read = 0;
            while (read < response.body.length) {
                int n = in.read(response.body, read, response.body.length - read);
                if (n < 0) {
                    throw new IOException("the Runtime API closed the connection mid-body");
                }
                read += n;
            }
        } else {
            response.body = readAll(in);
        }
        if ("close".equalsIgnoreCase(response.header("Connection")) || length == null) {
            close();
        }
        return response;
    }

    /** One header line (CRLF stripped) as UTF-8, or null at end of stream. */
    private String line() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            bytes.write(b);
        }
        if (b < 0 && bytes.size() == 0) {
            return null;
        }
        String text = new String(bytes.toByteArray(), StandardCharsets.UTF_8);
        return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
    }

    private void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        socket = null;
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
