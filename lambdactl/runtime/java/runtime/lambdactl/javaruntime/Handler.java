package lambdactl.javaruntime;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The function's handler, found as Lambda's Java runtime finds it: ``pkg.Class::method`` (static, or
 * an instance method on a public no-argument constructor's instance; signatures (InputStream,
 * OutputStream[, Context]), (T[, Context]), ([Context])) or ``pkg.Class`` implementing
 * RequestHandler or RequestStreamHandler.
 */
abstract class Handler {
    abstract byte[] call(byte[] event, Context context) throws Throwable;

    /** Load the handler; a fatal Fault ends init, a class or method that is not there answers each invoke. */
    static Handler load(String handler, ClassLoader loader) {
        int colon = handler.indexOf("::");
        String className = colon < 0 ? handler : handler.substring(0, colon);
        String methodName = colon < 0 ? null : handler.substring(colon + 2);
        if (className.isEmpty() || (methodName != null && methodName.isEmpty())) {
            return failing(Fault.message("Invalid handler: `" + handler + "'"));
        }
        Class<?> cls;
        try {
            cls = Class.forName(className, true, loader);
        } catch (ClassNotFoundException e) {
            return failing(Fault.classNotFound(e, className));
        } catch (Throwable t) {
            throw Fault.loading(t, className);
        }
        if (methodName == null) {
            if (RequestStreamHandler.class.isAssignableFrom(cls)) {
                final RequestStreamHandler instance = (RequestStreamHandler) instantiate(cls);
                return new Handler() {
                    byte[] call(byte[] event, Context context) throws Throwable {
                        ByteArrayOutputStream out = new ByteArrayOutputStream();
                        instance.handleRequest(new ByteArrayInputStream(event), out, context);
                        return out.toByteArray();
                    }
                };
            }
            if (RequestHandler.class.isAssignableFrom(cls)) {
                Method method = overload(cls, "handleRequest");
                if (method != null) {
                    return forMethod(method, instantiate(cls), requestHandlerInput(cls));
                }
            }
            return failing(Fault.message("Class " + className + " does not implement RequestHandler or RequestStreamHandler:"
                    + " name a method as " + className + "::METHOD"));
        }
        Method method = overload(cls, methodName);
        if (method == null) {
            return failing(Fault.message("No public method named " + methodName
                    + " with appropriate method signature found on class " + cls.getName()));
        }
        return forMethod(method, Modifier.isStatic(method.getModifiers()) ? null : instantiate(cls), null);
    }

    private static Handler failing(final Fault fault) {
        return new Handler() {
            byte[] call(byte[] event, Context context) {
                throw fault;
            }
        };
    }

    private static Object instantiate(Class<?> cls) {
        try {
            Constructor<?> constructor = cls.getConstructor();
            return constructor.newInstance();
        } catch (InvocationTargetException e) {
            throw Fault.loading(e.getCause(), cls.getName());
        } catch (Throwable t) {
            throw Fault.loading(t, cls.getName());
        }
    }

    /** The public method of that name with a signature Lambda accepts; the most parameters and a Context last win. */
    private static Method overload(Class<?> cls, String name) {
        List<Method> candidates = new ArrayList<>();
        for (Method m : cls.getMethods()) {
            if (m.getName().equals(name) && shape(m) != null) {
                candidates.add(m);
            }
        }
        candidates.sort((a, b) -> {
            if (a.isBridge() != b.isBridge()) return a.isBridge() ? 1 : -1;
            if (a.getParameterCount() != b.getParameterCount()) return b.getParameterCount() - a.getParameterCount();
            return Boolean.compare(!endsWithContext(a), !endsWithContext(b));
        });
        return candidates.isEmpty() ? null : candidates.get(0);
    }

    private static boolean endsWithContext(Method m) {
        Class<?>[] p = m.getParameterTypes();
        return p.length > 0 && p[p.length - 1] == Context.class;
    }

    /** "stream", "pojo" or null for a signature Lambda does not call. */
    private static String shape(Method m) {
        Class<?>[] p = m.getParameterTypes();
        int n = endsWithContext(m) ? p.length - 1 : p.length;
        if (n == 2 && p[0] == InputStream.class && p[1] == OutputStream.class) {
            return "stream";
        }
        return n <= 1 ? "pojo" : null;
    }

    private static Handler forMethod(final Method method, final Object instance, Type inputOverride) {
        method.setAccessible(true);
        final boolean context = endsWithContext(method);
        final int params = method.getParameterCount();
        if ("stream".equals(shape(method))) {
            return new Handler() {
                byte[] call(byte[] event, Context ctx) throws Throwable {
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    InputStream in = new ByteArrayInputStream(event);
                    invoke(method, instance, context ? new Object[]{in, out, ctx} : new Object[]{in, out});
                    return out.toByteArray();
                }
            };
        }
        final boolean hasInput = params - (context ? 1 : 0) == 1;
        final Type input = inputOverride != null ? inputOverride : hasInput ? method.getGenericParameterTypes()[0] : null;
        final boolean isVoid = method.getReturnType() == void.class;
        return new Handler() {
            byte[] call(byte[] event, Context ctx) throws Throwable {
                List<Object> args = new ArrayList<>();
                if (hasInput) {
                    args.add(deserialize(event, input));
                }
                if (context) {
                    args.add(ctx);
                }
                Object result = invoke(method, instance, args.toArray());
                return isVoid ? "null".getBytes(StandardCharsets.UTF_8) : serialize(result);
            }
        };
    }

    private static Object invoke(Method method, Object instance, Object[] args) throws Throwable {
        try {
            return method.invoke(instance, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private static Object deserialize(byte[] event, Type type) {
        Class<?> raw = Json.rawClass(type);
        if (raw == InputStream.class) {
            return new ByteArrayInputStream(event);
        }
        try {
            return Json.bind(Json.parse(new String(event, StandardCharsets.UTF_8)), type);
        } catch (Exception e) {
            throw Fault.of(new RuntimeException("An error occurred during JSON parsing", e));
        }
    }

    private static byte[] serialize(Object result) {
        try {
            return Json.write(result).getBytes(StandardCharsets.UTF_8);
        } catch (Exception e) {
            throw Fault.of(new RuntimeException("An error occurred during JSON serialization of response", e));
        }
    }

    /** I of RequestHandler<I, O>, resolved through the class hierarchy (Object if left generic). */
    private static Type requestHandlerInput(Class<?> cls) {
        Type found = find(cls, RequestHandler.class);
        return found == null ? Object.class : found;
    }

    private static Type find(Type type, Class<?> target) {
        Class<?> raw = Json.rawClass(type);
        if (raw == null || raw == Object.class) {
            return null;
        }
        List<Type> supers = new ArrayList<>();
        for (Type t : raw.getGenericInterfaces()) supers.add(t);
        if (raw.getGenericSuperclass() != null) supers.add(raw.getGenericSuperclass());
        for (Type t : supers) {
            if (t instanceof ParameterizedType && ((ParameterizedType) t).getRawType() == target) {
                Type arg = ((ParameterizedType) t).getActualTypeArguments()[0];
                return arg instanceof TypeVariable ? null : arg;
            }
            Type deeper = find(t, target);
            if (deeper != null) {
                return deeper;
            }
        }
        return null;
    }
}
