package dev.auditline.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.BiConsumer;

/**
 * Reads the {@code audit:} section of a service's YAML file and the {@code AUDIT_*} environment
 * overrides into an {@link AuditClientConfig.Builder}, collecting every problem with its path.
 *
 * <p>Unknown keys are errors, because a misspelled {@code flush_intervall} silently keeping its
 * default is exactly the kind of quiet misconfiguration the config contract forbids. For the same
 * reason an unknown variable inside one of our sections ({@code AUDIT_BUFFER_*}, {@code
 * AUDIT_RETRY_*}, {@code AUDIT_SPOOL_*}, {@code AUDIT_AUTH_*}) is an error; other {@code AUDIT_*}
 * variables may belong to the service and are left alone.
 */
final class AuditConfigLoader {
    private static final String ROOT = "audit";
    private static final String ENV_PREFIX = "AUDIT_";
    private static final List<String> SECTIONS = List.of("buffer", "retry", "spool", "auth");

    private enum Kind {
        URL,
        STRING,
        INT,
        DURATION,
        SIZE,
        OVERFLOW,
        PATH
    }

    private record Key(String path, Kind kind, BiConsumer<AuditClientConfig.Builder, Object> setter) {
        String envName() {
            return ENV_PREFIX + path.toUpperCase(Locale.ROOT).replace('.', '_');
        }
    }

    /** Every key, in the order problems are reported. */
    private static final List<Key> KEYS = List.of(
            new Key("datastorage_url", Kind.URL, (b, v) -> b.datastorageUrl((URI) v)),
            new Key("timeout", Kind.DURATION, (b, v) -> b.timeout((Duration) v)),
            new Key("service_name", Kind.STRING, (b, v) -> b.serviceName((String) v)),
            new Key("buffer.buffer_size", Kind.INT, (b, v) -> b.bufferSize((Integer) v)),
            new Key("buffer.batch_size", Kind.INT, (b, v) -> b.batchSize((Integer) v)),
            new Key("buffer.flush_interval", Kind.DURATION, (b, v) -> b.flushInterval((Duration) v)),
            new Key("buffer.max_retries", Kind.INT, (b, v) -> b.maxRetries((Integer) v)),
            new Key("buffer.max_buffer_bytes", Kind.SIZE, (b, v) -> b.maxBufferBytes((Long) v)),
            new Key("buffer.max_in_flight", Kind.INT, (b, v) -> b.maxInFlight((Integer) v)),
            new Key("buffer.overflow", Kind.OVERFLOW, (b, v) -> b.overflow((AuditClientConfig.Overflow) v)),
            new Key("buffer.block_timeout", Kind.DURATION, (b, v) -> b.blockTimeout((Duration) v)),
            new Key("buffer.max_batch_bytes", Kind.SIZE, (b, v) -> b.maxBatchBytes((Long) v)),
            new Key("buffer.delivery_timeout", Kind.DURATION, (b, v) -> b.deliveryTimeout((Duration) v)),
            new Key("retry.initial_backoff", Kind.DURATION, (b, v) -> b.initialBackoff((Duration) v)),
            new Key("retry.max_backoff", Kind.DURATION, (b, v) -> b.maxBackoff((Duration) v)),
            new Key("spool.dir", Kind.PATH, (b, v) -> b.spoolDir((Path) v)),
            new Key("spool.max_bytes", Kind.SIZE, (b, v) -> b.spoolMaxBytes((Long) v)),
            new Key("auth.token_file", Kind.PATH, (b, v) -> b.tokenFile((Path) v)));

    private final Map<String, String> env;

    AuditConfigLoader(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    AuditClientConfig load(Path file) throws IOException {
        try (Reader reader = Files.newBufferedReader(file)) {
            return load(reader, file.toString());
        }
    }

    AuditClientConfig load(Reader yaml, String source) throws IOException {
        JsonNode document = new YAMLMapper().readTree(yaml);
        List<String> problems = new ArrayList<>();
        Map<String, JsonNode> values = new LinkedHashMap<>();
        JsonNode audit = document == null ? null : document.get(ROOT);
        if (audit == null || audit.isNull() || audit.isMissingNode()) {
            problems.add("audit: section missing in " + source);
        } else if (!audit.isObject()) {
            problems.add("audit: must be a mapping (got " + describe(audit) + ")");
        } else {
            flatten((ObjectNode) audit, values, problems);
        }

        AuditClientConfig.Builder builder = AuditClientConfig.builder();
        for (Key key : KEYS) {
            String envValue = env.get(key.envName());
            if (envValue != null) {
                String where = ROOT + "." + key.path + " (from " + key.envName() + ")";
                Object value = convert(key.kind, envValue, where, problems);
                if (value != null || key.kind == Kind.PATH) {
                    key.setter.accept(builder, value);
                }
            } else if (values.containsKey(key.path)) {
                JsonNode node = values.get(key.path);
                Object value = convert(key, node, problems);
                if (value != null || key.kind == Kind.PATH) {
                    key.setter.accept(builder, value);
                }
            }
        }
        checkUnknownEnv(problems);

        AuditClientConfig config = null;
        try {
            config = builder.build();
        } catch (AuditConfigException e) {
            // A key that failed to parse kept its default; do not also report what that default implies.
            for (String p : e.problems()) {
                String path = p.substring(0, p.indexOf(':'));
                if (problems.stream().noneMatch(known -> known.startsWith(path))) {
                    problems.add(p);
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new AuditConfigException(problems);
        }
        return config;
    }

    private static void flatten(ObjectNode audit, Map<String, JsonNode> values, List<String> problems) {
        for (Map.Entry<String, JsonNode> field : audit.properties()) {
            String name = field.getKey();
            JsonNode value = field.getValue();
            if (SECTIONS.contains(name)) {
                if (value.isNull()) {
                    continue;
                }
                if (!value.isObject()) {
                    problems.add(ROOT + "." + name + ": must be a mapping (got " + describe(value) + ")");
                    continue;
                }
                for (Map.Entry<String, JsonNode> sub : value.properties()) {
                    addKnown(name + "." + sub.getKey(), sub.getValue(), values, problems);
                }
            } else {
                addKnown(name, value, values, problems);
            }
        }
    }

    private static void addKnown(String path, JsonNode value, Map<String, JsonNode> values, List<String> problems) {
        if (KEYS.stream().noneMatch(k -> k.path.equals(path))) {
            problems.add(ROOT + "." + path + ": unknown key (known: " + knownKeys(path) + ")");
        } else {
            values.put(path, value);
        }
    }

    private static String knownKeys(String path) {
        int dot = path.indexOf('.');
        String section = dot < 0 ? "" : path.substring(0, dot + 1);
        TreeSet<String> names = new TreeSet<>();
        for (Key k : KEYS) {
            if (section.isEmpty()) {
                int kd = k.path.indexOf('.');
                names.add(kd < 0 ? k.path : k.path.substring(0, kd));
            } else if (k.path.startsWith(section)) {
                names.add(k.path.substring(section.length()));
            }
        }
        return String.join(", ", names);
    }

    private void checkUnknownEnv(List<String> problems) {
        TreeSet<String> unknown = new TreeSet<>();
        for (String name : env.keySet()) {
            boolean ours =
                    SECTIONS.stream().anyMatch(s -> name.startsWith(ENV_PREFIX + s.toUpperCase(Locale.ROOT) + "_"));
            if (ours && KEYS.stream().noneMatch(k -> k.envName().equals(name))) {
                unknown.add(name);
            }
        }
        for (String name : unknown) {
            problems.add(name + ": unknown audit setting in the environment (known: "
                    + String.join(", ", KEYS.stream().map(Key::envName).sorted().toList())
                    + ")");
        }
    }

    private static Object convert(Key key, JsonNode node, List<String> problems) {
        String where = ROOT + "." + key.path;
        if (node.isNull()) {
            if (key.kind == Kind.PATH || key.kind == Kind.STRING) {
                return convert(key.kind, "", where, problems);
            }
            problems.add(where + ": has no value (got null)");
            return null;
        }
        if (!node.isValueNode()) {
            problems.add(where + ": must be a single value (got " + describe(node) + ")");
            return null;
        }
        if (key.kind == Kind.DURATION && !node.isTextual()) {
            problems.add(where + ": " + ConfigValues.DURATION_HINT + " (got " + node.asText() + ")");
            return null;
        }
        return convert(key.kind, node.asText(), where, problems);
    }

    private static Object convert(Kind kind, String text, String where, List<String> problems) {
        switch (kind) {
            case URL -> {
                try {
                    return URI.create(text.trim());
                } catch (IllegalArgumentException e) {
                    problems.add(where + ": must be an http:// or https:// URL with a host (got " + text + ")");
                    return null;
                }
            }
            case STRING -> {
                return text;
            }
            case INT -> {
                try {
                    return Integer.parseInt(text.trim());
                } catch (NumberFormatException e) {
                    problems.add(where + ": must be a whole number (got " + text + ")");
                    return null;
                }
            }
            case DURATION -> {
                Duration d = ConfigValues.parseDuration(text);
                if (d == null) {
                    problems.add(where + ": " + ConfigValues.DURATION_HINT + " (got " + text + ")");
                }
                return d;
            }
            case SIZE -> {
                Long size = ConfigValues.parseSize(text);
                if (size == null) {
                    problems.add(where + ": " + ConfigValues.SIZE_HINT + " (got " + text + ")");
                }
                return size;
            }
            case OVERFLOW -> {
                for (AuditClientConfig.Overflow o : AuditClientConfig.Overflow.values()) {
                    if (ConfigValues.lower(o).equals(text.trim())) {
                        return o;
                    }
                }
                problems.add(where + ": must be one of drop, block, spill (got " + text + ")");
                return null;
            }
            case PATH -> {
                return text.isBlank() ? null : Path.of(text.trim());
            }
        }
        throw new AssertionError(kind);
    }

    private static String describe(JsonNode node) {
        if (node.isObject()) {
            return "a mapping";
        }
        if (node.isArray()) {
            return "a list";
        }
        return node.asText();
    }
}
