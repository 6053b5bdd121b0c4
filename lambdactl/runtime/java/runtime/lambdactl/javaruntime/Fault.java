package lambdactl.javaruntime;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * A failure reported to the Runtime API as Lambda's Java runtime does: an error document
 * {errorMessage, errorType, stackTrace[, cause]} and, in the log, "message: type" then the trace.
 * ``fatal`` faults end init (/init/error); others answer every invocation.
 */
final class Fault extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private static final String[] RUNTIME_FRAMES = {"lambdactl.javaruntime.", "jdk.internal.reflect.", "java.lang.reflect.Method"};

    final String errorMessage;
    final String errorType; // null: the document has only errorMessage (a handler that can't be found)
    final Throwable exception;
    final boolean fatal;

    Fault(String errorMessage, String errorType, Throwable exception, boolean fatal) {
        super(errorMessage, null, false, false);
        this.errorMessage = errorMessage;
        this.errorType = errorType;
        this.exception = exception;
        this.fatal = fatal;
    }

    /** The function threw ``t`` (or an Error): its own message and class. */
    static Fault of(Throwable t) {
        trim(t);
        return new Fault(t.getMessage(), t.getClass().getName(), t, false);
    }

    static Fault loading(Throwable t, String className) {
        trim(t);
        return new Fault("Error loading class " + className + (t.getMessage() == null ? "" : ": " + t.getMessage()),
                t.getClass().getName(), t, true);
    }

    static Fault classNotFound(Throwable t, String className) {
        trim(t);
        return new Fault("Class not found: " + className, t.getClass().getName(), t, false);
    }

    static Fault message(String message) {
        return new Fault(message, null, null, false);
    }

    String document() throws ReflectiveOperationException {
        StringBuilder out = new StringBuilder("{\"errorMessage\":");
        Json.quote(errorMessage == null ? "null" : errorMessage, out);
        if (errorType != null) {
            out.append(",\"errorType\":");
            Json.quote(errorType, out);
        }
        if (exception != null) {
            out.append(",\"stackTrace\":").append(Json.write(frames(exception)));
            Throwable cause = exception.getCause();
            if (cause != null && cause != exception) {
                out.append(",\"cause\":").append(Fault.of(cause).document());
            }
        }
        return out.append('}').toString();
    }

    /** What the log shows: "message: type", then the Java stack trace. */
    String logText() {
        if (exception == null) {
            return errorMessage + "\n";
        }
        StringWriter trace = new StringWriter();
        exception.printStackTrace(new PrintWriter(trace));
        return errorMessage + ": " + errorType + "\n" + trace + "\n";
    }

    private static List<String> frames(Throwable t) {
        List<String> out = new ArrayList<>();
        for (StackTraceElement e : t.getStackTrace()) {
            out.add(e.toString());
        }
        return out;
    }

    /** Drop the frames of this runtime and of reflection, from the first one on. */
    static void trim(Throwable t) {
        for (Throwable cur = t; cur != null; cur = cur.getCause() == cur ? null : cur.getCause()) {
            StackTraceElement[] trace = cur.getStackTrace();
            for (int i = 0; i < trace.length; i++) {
                if (isRuntimeFrame(trace[i].getClassName())) {
                    StackTraceElement[] kept = new StackTraceElement[i];
                    System.arraycopy(trace, 0, kept, 0, i);
                    cur.setStackTrace(kept);
                    break;
                }
            }
        }
    }

    private static boolean isRuntimeFrame(String className) {
        for (String prefix : RUNTIME_FRAMES) {
            if (className.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }
}
