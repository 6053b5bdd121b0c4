package lambdactl.javaruntime;

import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.WildcardType;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * JSON for handler events and results, without Jackson: parse to Maps/Lists/Strings/Numbers/Booleans,
 * bind that to the handler's parameter type (POJOs through setters or public fields, matched
 * case-insensitively, unknown properties ignored, as Lambda's serializer does), and write results
 * (POJOs through getters and public fields).
 */
final class Json {
    private Json() {
    }

    // -- parsing ------------------------------------------------------------------------------------

    static Object parse(String text) {
        Parser p = new Parser(text);
        p.space();
        Object value = p.value();
        p.space();
        if (p.pos != text.length()) {
            throw p.error("trailing characters");
        }
        return value;
    }

    private static final class Parser {
        final String s;
        int pos;

        Parser(String s) {
            this.s = s;
        }

        IllegalArgumentException error(String what) {
            return new IllegalArgumentException("Invalid JSON at offset " + pos + ": " + what);
        }

        void space() {
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
                pos++;
            }
        }

        Object value() {
            if (pos >= s.length()) {
                throw error("unexpected end");
            }
            char c = s.charAt(pos);
            switch (c) {
                case '{': return object();
                case '[': return array();
                case '"': return string();
                case 't': return literal("true", Boolean.TRUE);
                case 'f': return literal("false", Boolean.FALSE);
                case 'n': return literal("null", null);
                default:
                    if (c == '-' || (c >= '0' && c <= '9')) {
                        return number();
                    }
                    throw error("unexpected character '" + c + "'");
            }
        }

        Object literal(String word, Object value) {
            if (!s.startsWith(word, pos)) {
                throw error("expected " + word);
            }
            pos += word.length();
            return value;
        }

        Map<String, Object> object() {
            Map<String, Object> map = new LinkedHashMap<>();
            pos++;
            space();
            if (pos < s.length() && s.charAt(pos) == '}') {
                pos++;
                return map;
            }
            while (true) {
                space();
                if (pos >= s.length() || s.charAt(pos) != '"') {
                    throw error("expected a property name");
                }
                String key = string();
                space();
                expect(':');
                space();
                map.put(key, value());
                space();
                if (pos < s.length() && s.charAt(pos) == ',') {
                    pos++;
                    continue;
                }
                expect('}');
                return map;
            }
        }

        List<Object> array() {
            List<Object> list = new ArrayList<>();
            pos++;
            space();
            if (pos < s.length() && s.charAt(pos) == ']') {
                pos++;
                return list;
            }
            while (true) {
                space();
                list.add(value());
                space();
                if (pos < s.length() && s.charAt(pos) == ',') {
                    pos++;
                    continue;
                }
                expect(']');
                return list;
            }
        }

        void expect(char c) {
            if (pos >= s.length() || s.charAt(pos) != c) {
                throw error("expected '" + c + "'");
            }
            pos++;
        }

        String string() {
            StringBuilder out = new StringBuilder();
            pos++;
            while (true) {
                if (pos >= s.length()) {
                    throw error("unterminated string");
                }
                char c = s.charAt(pos++);
                if (c == '"') {
                    return out.toString();
                }
                if (c != '\\') {
                    out.append(c);
                    continue;
                }
                if (pos >= s.length()) {
                    throw error("unterminated escape");
                }
                char e = s.charAt(pos++);
                switch (e) {
                    case 'b': out.append('\b'); break;
                    case 'f': out.append('\f'); break;
                    case 'n': out.append('\n'); break;
                    case 'r': out.append('\r'); break;
                    case 't': out.append('\t'); break;
                    case 'u':
                        if (pos + 4 > s.length()) {
                            throw error("bad unicode escape");
                        }
                        out.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
                        pos += 4;
                        break;
                    default: out.append(e);
                }
            }
        }

        Number number() {
            int start = pos;
            boolean decimal = false;
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (c == '.' || c == 'e' || c == 'E') {
                    decimal = true;
                } else if (!(c == '-' || c == '+' || (c >= '0' && c <= '9'))) {
                    break;
                }
                pos++;
            }
            String text = s.substring(start, pos);
            try {
                if (decimal) {
                    return Double.valueOf(text);
                }
                BigInteger big = new BigInteger(text);
                if (big.bitLength() < 32) {
                    return big.intValue();
                }
                return big.bitLength() < 64 ? (Number) big.longValue() : big;
            } catch (NumberFormatException exc) {
                throw error("bad number " + text);
            }
        }
    }

    // -- binding ------------------------------------------------------------------------------------

    static Object bind(Object value, Type type) throws ReflectiveOperationException {
        Class<?> raw = rawClass(type);
        if (value == null) {
            return raw.isPrimitive() ? bind(0, type) : null;
        }
        if (raw == Object.class) {
            return value;
        }
        if (raw == String.class) {
            if (value instanceof Map || value instanceof List) {
                throw new IllegalArgumentException("Cannot deserialize a JSON " + (value instanceof Map ? "object" : "array")
                        + " into java.lang.String");
            }
            return String.valueOf(value);
        }
        if (raw == Boolean.class || raw == boolean.class) {
            return value instanceof Boolean ? value : Boolean.valueOf(String.valueOf(value));
        }
        if (Number.class.isAssignableFrom(box(raw)) || raw == Character.class || raw == char.class) {
            return number(value, box(raw));
        }
        if (raw.isEnum()) {
            for (Object constant : raw.getEnumConstants()) {
                if (((Enum<?>) constant).name().equals(value)) {
                    return constant;
                }
            }
            throw new IllegalArgumentException("No " + raw.getName() + " constant " + value);
        }
        if (Map.class.isAssignableFrom(raw)) {
            Type valueType = typeArgument(type, 1);
            Map<String, Object> out = raw.isInterface() || Modifier.isAbstract(raw.getModifiers())
                    ? (raw.isAssignableFrom(TreeMap.class) && !raw.isAssignableFrom(LinkedHashMap.class) ? new TreeMap<>() : new LinkedHashMap<>())
                    : cast(raw.getDeclaredConstructor().newInstance());
            for (Map.Entry<String, Object> e : asMap(value, raw).entrySet()) {
                out.put(e.getKey(), bind(e.getValue(), valueType));
            }
            return out;
        }
        if (Collection.class.isAssignableFrom(raw)) {
            Type itemType = typeArgument(type, 0);
            Collection<Object> out = raw.isInterface() || Modifier.isAbstract(raw.getModifiers())
                    ? (Set.class.isAssignableFrom(raw) ? new LinkedHashSet<>() : new ArrayList<>())
                    : cast(raw.getDeclaredConstructor().newInstance());
            for (Object item : asList(value, raw)) {
                out.add(bind(item, itemType));
            }
            return out;
        }
        if (raw.isArray()) {
            Type itemType = type instanceof GenericArrayType ? ((GenericArrayType) type).getGenericComponentType() : raw.getComponentType();
            List<Object> items = asList(value, raw);
            Object array = Array.newInstance(raw.getComponentType(), items.size());
            for (int i = 0; i < items.size(); i++) {
                Array.set(array, i, bind(items.get(i), itemType));
            }
            return array;
        }
        return pojo(asMap(value, raw), raw);
    }

    private static Object pojo(Map<String, Object> map, Class<?> raw) throws ReflectiveOperationException {
        Constructor<?> constructor = raw.getDeclaredConstructor();
        constructor.setAccessible(true);
        Object instance = constructor.newInstance();
        Map<String, Method> setters = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (Method m : raw.getMethods()) {
            if (m.getName().startsWith("set") && m.getName().length() > 3 && m.getParameterCount() == 1
                    && !Modifier.isStatic(m.getModifiers())) {
                setters.putIfAbsent(m.getName().substring(3), m);
            }
        }
        Map<String, Field> fields = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (Field f : raw.getFields()) {
            if (!Modifier.isStatic(f.getModifiers()) && !Modifier.isFinal(f.getModifiers())) {
                fields.putIfAbsent(f.getName(), f);
            }
        }
        for (Map.Entry<String, Object> e : map.entrySet()) {
            Method setter = setters.get(e.getKey());
            if (setter != null) {
                setter.invoke(instance, bind(e.getValue(), setter.getGenericParameterTypes()[0]));
                continue;
            }
            Field field = fields.get(e.getKey());
            if (field != null) {
                field.set(instance, bind(e.getValue(), field.getGenericType()));
            }
        }
        return instance;
    }

    private static Object number(Object value, Class<?> boxed) {
        if (boxed == Character.class) {
            String text = String.valueOf(value);
            if (text.length() != 1) {
                throw new IllegalArgumentException("Cannot deserialize \"" + text + "\" into a char");
            }
            return text.charAt(0);
        }
        Number n;
        if (value instanceof Number) {
            n = (Number) value;
        } else if (value instanceof String) {
            n = new BigDecimal((String) value);
        } else {
            throw new IllegalArgumentException("Cannot deserialize " + describe(value) + " into " + boxed.getName());
        }
        if (boxed == Integer.class) return n.intValue();
        if (boxed == Long.class) return n.longValue();
        if (boxed == Double.class) return n.doubleValue();
        if (boxed == Float.class) return n.floatValue();
        if (boxed == Short.class) return n.shortValue();
        if (boxed == Byte.class) return n.byteValue();
        if (boxed == BigInteger.class) return new BigDecimal(n.toString()).toBigInteger();
        if (boxed == BigDecimal.class) return new BigDecimal(n.toString());
        return n;
    }

    private static String describe(Object value) {
        return value instanceof Map ? "a JSON object" : value instanceof List ? "a JSON array" : "the JSON value " + value;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object value, Class<?> target) {
        if (!(value instanceof Map)) {
            throw new IllegalArgumentException("Cannot deserialize " + describe(value) + " into " + target.getName());
        }
        return (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> asList(Object value, Class<?> target) {
        if (!(value instanceof List)) {
            throw new IllegalArgumentException("Cannot deserialize " + describe(value) + " into " + target.getName());
        }
        return (List<Object>) value;
    }

    @SuppressWarnings("unchecked")
    private static <T> T cast(Object value) {
        return (T) value;
    }

    static Class<?> rawClass(Type type) {
        if (type instanceof Class) {
            return (Class<?>) type;
        }
        if (type instanceof ParameterizedType) {
            return rawClass(((ParameterizedType) type).getRawType());
        }
        if (type instanceof GenericArrayType) {
            return Array.newInstance(rawClass(((GenericArrayType) type).getGenericComponentType()), 0).getClass();
        }
        if (type instanceof WildcardType) {
            return rawClass(((WildcardType) type).getUpperBounds()[0]);
        }
        return Object.class; // a type variable
    }

    private static Type typeArgument(Type type, int index) {
        if (type instanceof ParameterizedType) {
            Type[] args = ((ParameterizedType) type).getActualTypeArguments();
            if (index < args.length) {
                return args[index];
            }
        }
        return Object.class;
    }

    private static Class<?> box(Class<?> c) {
        if (!c.isPrimitive()) return c;
        if (c == int.class) return Integer.class;
        if (c == long.class) return Long.class;
        if (c == double.class) return Double.class;
        if (c == float.class) return Float.class;
        if (c == short.class) return Short.class;
        if (c == byte.class) return Byte.class;
        if (c == char.class) return Character.class;
        if (c == boolean.class) return Boolean.class;
        return c;
    }

    // -- writing ------------------------------------------------------------------------------------

    static String write(Object value) throws ReflectiveOperationException {
        StringBuilder out = new StringBuilder();
        write(value, out, new HashSet<>());
        return out.toString();
    }

    private static void write(Object value, StringBuilder out, Set<Object> path) throws ReflectiveOperationException {
        if (value == null) {
            out.append("null");
        } else if (value instanceof String || value instanceof Character || value instanceof Enum) {
            quote(value instanceof Enum ? ((Enum<?>) value).name() : value.toString(), out);
        } else if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                quote(value.toString(), out);
            } else {
                out.append(value);
            }
        } else if (value instanceof Number || value instanceof Boolean) {
            out.append(value);
        } else {
            if (!path.add(new Identity(value))) {
                throw new IllegalArgumentException("Cannot serialize a cyclic structure (" + value.getClass().getName() + ")");
            }
            if (value instanceof Map) {
                out.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
                    if (!first) out.append(',');
                    first = false;
                    quote(String.valueOf(e.getKey()), out);
                    out.append(':');
                    write(e.getValue(), out, path);
                }
                out.append('}');
            } else if (value instanceof Iterable) {
                out.append('[');
                boolean first = true;
                for (Object item : (Iterable<?>) value) {
                    if (!first) out.append(',');
                    first = false;
                    write(item, out, path);
                }
                out.append(']');
            } else if (value.getClass().isArray()) {
                out.append('[');
                for (int i = 0; i < Array.getLength(value); i++) {
                    if (i > 0) out.append(',');
                    write(Array.get(value, i), out, path);
                }
                out.append(']');
            } else {
                writePojo(value, out, path);
            }
            path.remove(new Identity(value));
        }
    }

    private static void writePojo(Object value, StringBuilder out, Set<Object> path) throws ReflectiveOperationException {
        Map<String, Object> properties = new LinkedHashMap<>();
        for (Field f : value.getClass().getFields()) {
            if (!Modifier.isStatic(f.getModifiers())) {
                properties.put(f.getName(), f.get(value));
            }
        }
        for (Method m : value.getClass().getMethods()) {
            String name = m.getName();
            if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers()) || m.getDeclaringClass() == Object.class
                    || m.getReturnType() == void.class) {
                continue;
            }
            String property = null;
            if (name.startsWith("get") && name.length() > 3) {
                property = name.substring(3);
            } else if (name.startsWith("is") && name.length() > 2
                    && (m.getReturnType() == boolean.class || m.getReturnType() == Boolean.class)) {
                property = name.substring(2);
            }
            if (property != null) {
                m.setAccessible(true);
                properties.put(decapitalize(property), m.invoke(value));
            }
        }
        write(properties, out, path);
    }

    /** As Jackson names a getter's property: the leading capitals lower-cased (getURL → url, getName → name). */
    private static String decapitalize(String name) {
        int upper = 0;
        while (upper < name.length() && Character.isUpperCase(name.charAt(upper))) {
            upper++;
        }
        if (upper > 1 && upper < name.length()) {
            upper--; // getURLValue → urlValue
        }
        return name.substring(0, Math.max(upper, 1)).toLowerCase() + name.substring(Math.max(upper, 1));
    }

    static void quote(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': out.append("\\\""); break;
                case '\\': out.append("\\\\"); break;
                case '\n': out.append("\\n"); break;
                case '\r': out.append("\\r"); break;
                case '\t': out.append("\\t"); break;
                case '\b': out.append("\\b"); break;
                case '\f': out.append("\\f"); break;
                default:
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
            }
        }
        out.append('"');
    }

    /** Identity, not equals(), for cycle detection. */
    private static final class Identity {
        final Object value;

        Identity(Object value) {
            this.value = value;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Identity && ((Identity) other).value == value;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(value);
        }
    }
}
