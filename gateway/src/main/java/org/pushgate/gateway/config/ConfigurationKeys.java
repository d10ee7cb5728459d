package org.pushgate.gateway.config;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The configuration keys a {@code @ConfigurationProperties} record accepts, derived from its record components,
 * so that a key added to {@link GatewayProperties} needs no list kept here: a nested record is a group of keys,
 * a {@code Map} component accepts any key below it ({@code gateway.auth.namespaces.<ns>}), a {@code List} also
 * its indexed form ({@code [0]}). Keys are matched as Spring's relaxed binding reads them: kebab-case, camelCase
 * and underscores in a file or argument, {@code GATEWAY_LIMITS_MAXFRAMEBYTES} and
 * {@code GATEWAY_LIMITS_MAX_FRAME_BYTES} as environment variables.
 */
final class ConfigurationKeys {

    private final String prefix;
    private final Group root;
    private final List<String> documented = new ArrayList<>();

    private ConfigurationKeys(String prefix, Class<? extends Record> type) {
        this.prefix = prefix;
        this.root = group(prefix, type);
    }

    static ConfigurationKeys of(String prefix, Class<? extends Record> type) {
        return new ConfigurationKeys(prefix, type);
    }

    /** Every key in kebab-case, a map as {@code <prefix>.<name>}. */
    List<String> all() {
        return List.copyOf(documented);
    }

    /** Whether {@code key} (as a file, an argument or a system property spells it) is one of ours. */
    boolean knows(String key) {
        List<String> parts = propertyParts(key);
        return parts != null && uniform(parts.get(0)).equals(prefix) && root.matches(parts, 1, false);
    }

    /** Whether the environment variable {@code name} ({@code GATEWAY_HEARTBEAT_INTERVAL}) is one of ours. */
    boolean knowsVariable(String name) {
        List<String> parts = variableParts(name);
        return parts.get(0).equals(prefix) && root.matches(parts, 1, true);
    }

    /**
     * Whether the environment variable {@code name} means one of our groups or top-level keys
     * ({@code GATEWAY_HEARTBEAT_...}, {@code GATEWAY_ALLOWED_ORIGINS}), rightly spelt or not. Other variables
     * that merely start with the prefix are not ours: a script's {@code GATEWAY_JAVA_OPTS}, the
     * {@code GATEWAY_SERVICE_HOST} Kubernetes injects for a Service named "gateway".
     */
    boolean claimsVariable(String name) {
        List<String> parts = variableParts(name);
        if (!parts.get(0).equals(prefix)) {
            return false;
        }
        StringBuilder first = new StringBuilder();
        for (int i = 1; i < parts.size(); i++) {
            first.append(parts.get(i));
            if (root.children().containsKey(first.toString())) {
                return true;
            }
        }
        return false;
    }

    private static List<String> variableParts(String name) {
        return List.of(name.toLowerCase(Locale.ROOT).split("_", -1));
    }

    /** The known key nearest to {@code key}, in kebab-case; a property name or an environment variable. */
    String nearest(String key) {
        String wanted = squash(key);
        String lastElement = key.substring(Math.max(key.lastIndexOf('.'), key.lastIndexOf('_')) + 1)
                .toLowerCase(Locale.ROOT);
        return documented.stream()
                .map(known -> known.endsWith(".<name>") ? known.replace("<name>", lastElement) : known)
                .min(Comparator.comparingInt((String known) -> distance(wanted, squash(known))).thenComparing(known -> known))
                .orElseThrow();
    }

    /** {@code gateway.limits.max-frame-bytes} -> {@code GATEWAY_LIMITS_MAX_FRAME_BYTES}. */
    static String variable(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    // ---- the tree of keys

    private Group group(String path, Class<?> type) {
        Map<String, Node> children = new LinkedHashMap<>();
        for (RecordComponent component : type.getRecordComponents()) {
            String key = path + "." + kebab(component.getName());
            children.put(uniform(component.getName()), node(key, component.getType(), component.getGenericType()));
        }
        return new Group(children);
    }

    private Node node(String key, Class<?> type, Type genericType) {
        if (type.isRecord()) {
            return group(key, type);
        }
        if (Map.class.isAssignableFrom(type) || Collection.class.isAssignableFrom(type)) {
            Type[] arguments = genericType instanceof ParameterizedType p ? p.getActualTypeArguments() : new Type[0];
            Type element = arguments.length == 0 ? Object.class : arguments[arguments.length - 1];
            boolean map = Map.class.isAssignableFrom(type);
            if (element instanceof Class<?> c && c.isRecord()) {
                if (!map) {
                    throw new IllegalStateException(key + ": a list of records needs matching rules here first");
                }
                return new MapOfGroups(group(key + ".<name>", c));
            }
            documented.add(map ? key + ".<name>" : key);
            return map ? new AnyBelow() : new Indexed();
        }
        documented.add(key);
        return new Leaf();
    }

    private interface Node {
        /** Whether parts[from..] name this node or a key below it. */
        boolean matches(List<String> parts, int from, boolean variable);
    }

    private record Leaf() implements Node {
        public boolean matches(List<String> parts, int from, boolean variable) {
            return from == parts.size();
        }
    }

    /** A map: any key of one or more elements below it. */
    private record AnyBelow() implements Node {
        public boolean matches(List<String> parts, int from, boolean variable) {
            return from < parts.size() && parts.subList(from, parts.size()).stream().noneMatch(String::isEmpty);
        }
    }

    /**
     * A map of records ({@code gateway.history.namespaces.<ns>.size}): one key of any name, then the record's keys.
     * An environment variable may spell the name in several parts, so every split is tried.
     */
    private record MapOfGroups(Group value) implements Node {
        public boolean matches(List<String> parts, int from, boolean variable) {
            if (from == parts.size()) {
                return true; // the map itself
            }
            int last = variable ? parts.size() : from + 1;
            for (int next = from + 1; next <= last; next++) {
                if (!parts.get(next - 1).isEmpty() && value.matches(parts, next, variable)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** A list of values: the list itself (comma-separated) or one indexed element. */
    private record Indexed() implements Node {
        public boolean matches(List<String> parts, int from, boolean variable) {
            return from == parts.size() || (from == parts.size() - 1 && isIndex(parts.get(from)));
        }

        private static boolean isIndex(String part) {
            String digits = part.startsWith("[") && part.endsWith("]") ? part.substring(1, part.length() - 1) : part;
            return !digits.isEmpty() && digits.chars().allMatch(Character::isDigit);
        }
    }

    private record Group(Map<String, Node> children) implements Node {
        public boolean matches(List<String> parts, int from, boolean variable) {
            if (from == parts.size()) {
                return true; // the group itself, e.g. an empty "heartbeat:" in YAML
            }
            // A property name spells an element in one part; an environment variable may split it at its dashes
            // (GATEWAY_LIMITS_MAX_FRAME_BYTES), so try every run of parts that spells a child's name.
            int longest = variable ? parts.size() - from : 1;
            StringBuilder name = new StringBuilder();
            for (int length = 1; length <= longest; length++) {
                name.append(uniform(parts.get(from + length - 1)));
                Node child = children.get(name.toString());
                if (child != null && child.matches(parts, from + length, variable)) {
                    return true;
                }
            }
            return false;
        }
    }

    // ---- spelling

    /**
     * {@code gateway.auth.namespaces[a.b].x} -> [gateway, auth, namespaces, [a.b], x]; null when malformed.
     */
    private static List<String> propertyParts(String key) {
        List<String> parts = new ArrayList<>();
        StringBuilder part = new StringBuilder();
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c == '.') {
                if (part.isEmpty() && (parts.isEmpty() || !parts.get(parts.size() - 1).startsWith("["))) {
                    return null;
                }
                if (!part.isEmpty()) {
                    parts.add(part.toString());
                }
                part.setLength(0);
            } else if (c == '[') {
                if (!part.isEmpty()) {
                    parts.add(part.toString());
                }
                int close = key.indexOf(']', i);
                if (close < 0) {
                    return null;
                }
                parts.add(key.substring(i, close + 1));
                part.setLength(0);
                i = close;
            } else {
                part.append(c);
            }
        }
        if (!part.isEmpty()) {
            parts.add(part.toString());
        }
        return parts;
    }

    /** {@code maxFrameBytes} -> {@code max-frame-bytes}. */
    static String kebab(String camel) {
        StringBuilder out = new StringBuilder(camel.length() + 4);
        for (char c : camel.toCharArray()) {
            if (Character.isUpperCase(c)) {
                out.append('-').append(Character.toLowerCase(c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** One element, lower case without dashes and underscores: every relaxed spelling of it is the same string. */
    private static String uniform(String element) {
        return element.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
    }

    /** A whole key without any separator, to measure how far apart two spellings are. */
    private static String squash(String key) {
        return key.toLowerCase(Locale.ROOT).replaceAll("[-_.\\[\\]]", "");
    }

    /** Levenshtein distance. */
    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
