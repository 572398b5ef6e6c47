package dev.auditline.datastorage.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * One mapping of the configuration file; remembers which keys were read so the rest can be
 * reported, and replaces a key's value with its override (environment or command line) when one
 * is given. A typed read that finds a bad value adds a problem naming the key, the limit and the
 * value instead of throwing, so one run reports every mistake.
 */
final class ConfigSection {
    /** The one YAML reader of the configuration: the file, the credentials files and override values. */
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final String path;
    private final JsonNode node;
    private final List<String> problems;
    private final Set<String> known = new HashSet<>();
    private final ConfigOverrides overrides;
    /** Keys whose value came from an override, with its origin (for messages and path resolution). */
    private final Map<String, String> overridden = new HashMap<>();

    ConfigSection(String path, JsonNode node, List<String> problems, ConfigOverrides overrides) {
        this.path = path;
        this.problems = problems;
        this.overrides = overrides;
        if (node != null && !node.isNull() && !node.isObject()) {
            problems.add((path.isEmpty() ? "(top level)" : path) + ": must be a mapping of keys (got " + describe(node)
                    + ")");
            this.node = null;
        } else {
            this.node = node == null || node.isNull() ? null : node;
        }
    }

    ConfigSection section(String key) {
        // sections themselves are not overridden, only the values in them
        known.add(key);
        JsonNode v = node == null ? null : node.get(key);
        return new ConfigSection(fullPath(key), v == null || v.isNull() ? null : v, problems, overrides);
    }

    String text(String key, String fallback) {
        return scalar(key, fallback, s -> s);
    }

    /** A list of strings, given as a YAML list or as one comma-separated string. */
    List<String> texts(String key, List<String> fallback) {
        JsonNode v = value(key);
        if (v == null) {
            return fallback;
        }
        List<String> out = new ArrayList<>();
        if (v.isArray()) {
            for (JsonNode item : v) {
                if (!item.isValueNode() || item.isNull()) {
                    problems.add(pathOf(key) + ": every entry must be a single value (got " + describe(item) + ")");
                    return fallback;
                }
                out.add(item.asText().trim());
            }
        } else if (v.isValueNode()) {
            for (String part : v.asText().split(",")) {
                if (!part.isBlank()) {
                    out.add(part.trim());
                }
            }
        } else {
            problems.add(pathOf(key) + ": must be a list (got " + describe(v) + ")");
            return fallback;
        }
        return out;
    }

    int integer(String key, int fallback, int min, int max) {
        JsonNode v = value(key);
        if (v == null) {
            return fallback;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            problems.add(pathOf(key) + ": must be a whole number (got " + describe(v) + ")");
            return fallback;
        }
        int n = v.intValue();
        if (n < min || n > max) {
            problems.add(pathOf(key) + ": must be between " + min + " and " + max + " (got " + n + ")");
            return fallback;
        }
        return n;
    }

    long size(String key, long fallback, long min, long max) {
        JsonNode v = value(key);
        if (v == null) {
            return fallback;
        }
        long n = v.isIntegralNumber() ? v.longValue() : scalar(key, fallback, ConfigValues::parseSize);
        if (n < min || n > max) {
            problems.add(pathOf(key) + ": must be between " + ConfigValues.formatSize(min) + " and "
                    + ConfigValues.formatSize(max) + " (got " + ConfigValues.formatSize(n) + ")");
            return fallback;
        }
        return n;
    }

    boolean bool(String key, boolean fallback) {
        JsonNode v = value(key);
        if (v == null) {
            return fallback;
        }
        if (v.isBoolean()) {
            return v.booleanValue();
        }
        String t = v.isValueNode() ? v.asText().trim() : "";
        if (t.equals("true") || t.equals("false")) {
            return Boolean.parseBoolean(t);
        }
        problems.add(pathOf(key) + ": must be true or false (got " + describe(v) + ")");
        return fallback;
    }

    Duration duration(String key, Duration fallback, Duration min, Duration max) {
        Duration d = scalar(key, fallback, ConfigValues::parseDuration);
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            problems.add(pathOf(key) + ": must be between " + ConfigValues.formatDuration(min) + " and "
                    + ConfigValues.formatDuration(max) + " (got " + ConfigValues.formatDuration(d) + ")");
            return fallback;
        }
        return d;
    }

    /** An optional path; empty means "not set". */
    Path file(String key, Path baseDir, boolean mustBeReadableFile) {
        String text = text(key, "");
        if (text.isBlank()) {
            return null;
        }
        Path p = Path.of(text);
        if (!p.isAbsolute() && baseDir != null && !overridden.containsKey(key)) {
            p = baseDir.resolve(p);
        }
        p = p.normalize();
        if (mustBeReadableFile && !(Files.isRegularFile(p) && Files.isReadable(p))) {
            problems.add(pathOf(key) + ": must name a readable file (got \"" + ConfigValues.shorten(text)
                    + "\", resolved to " + p + ")");
        } else if (!mustBeReadableFile && Files.exists(p) && !Files.isDirectory(p)) {
            problems.add(pathOf(key) + ": must name a directory (got \"" + ConfigValues.shorten(text) + "\", a file)");
        }
        return p;
    }

    void rejectUnknown() {
        if (node == null) {
            return;
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!known.contains(name)) {
                problems.add(pathOf(name) + ": unknown key (known here: " + String.join(", ", sorted(known)) + ")");
            }
        }
    }

    private <T> T scalar(String key, T fallback, Function<String, T> parse) {
        JsonNode v = value(key);
        if (v == null) {
            return fallback;
        }
        if (!v.isValueNode()) {
            problems.add(pathOf(key) + ": must be a single value (got " + describe(v) + ")");
            return fallback;
        }
        try {
            return parse.apply(v.asText());
        } catch (IllegalArgumentException e) {
            problems.add(pathOf(key) + ": " + e.getMessage());
            return fallback;
        }
    }

    private JsonNode value(String key) {
        known.add(key);
        ConfigOverrides.Override override = overrides.find(fullPath(key));
        if (override != null) {
            overridden.put(key, override.origin());
            // read as a YAML scalar, so "5000" is a number and "16MiB" text, as in the file
            return overrideNode(override.value());
        }
        if (node == null) {
            return null;
        }
        JsonNode v = node.get(key);
        return v == null || v.isNull() ? null : v;
    }

    private String fullPath(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** The key's path for messages, naming the variable or option when the value came from one. */
    private String pathOf(String key) {
        String origin = overridden.get(key);
        return origin == null ? fullPath(key) : fullPath(key) + " (from " + origin + ")";
    }

    private static JsonNode overrideNode(String value) {
        try {
            JsonNode parsed = YAML.readTree(value);
            if (parsed != null && parsed.isValueNode() && !parsed.isNull()) {
                return parsed;
            }
        } catch (JsonProcessingException e) {
            // not a YAML scalar: taken as the text it is
        }
        return TextNode.valueOf(value);
    }

    private static List<String> sorted(Set<String> keys) {
        List<String> list = new ArrayList<>(keys);
        list.sort(null);
        return list;
    }

    private static String describe(JsonNode v) {
        if (v.isObject()) {
            return "a mapping";
        }
        if (v.isArray()) {
            return "a list";
        }
        return "\"" + ConfigValues.shorten(v.asText()) + "\"";
    }
}
