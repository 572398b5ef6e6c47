package dev.auditline.e2e;

import dev.auditline.client.AuditClientConfig;
import dev.auditline.datastorage.config.DataStorageConfig;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The <em>config</em> column of the fault matrix: every key of a run's configuration whose value
 * differs from the default a user gets, found by comparing the configuration records field by field
 * with the defaults (so a key added later is covered without touching this class). The keys a user
 * must always set (the URL, the service name; the server's address and database) are not listed.
 */
public final class ConfigDiff {
    private static final Set<String> CLIENT_ALWAYS_SET = Set.of("datastorage_url", "service_name");
    private static final Set<String> SERVER_ALWAYS_SET = Set.of(
            "server.host",
            "server.port",
            "storage.url",
            "storage.credentials_file",
            "storage.username",
            "storage.password");

    /** Keys whose YAML spelling nests where the record flattens. */
    private static final Map<String, String> YAML_KEYS = Map.of(
            "storage.fallback_spool_dir", "storage.fallback_spool.dir",
            "storage.fallback_spool_max_bytes", "storage.fallback_spool.max_bytes",
            "server.auth_tokens_file", "server.auth.tokens_file");

    private ConfigDiff() {}

    /** The client keys of {@code config} that are not at their defaults, e.g. {@code buffer.batch_size=100}. */
    public static List<String> client(AuditClientConfig config) {
        AuditClientConfig defaults = AuditClientConfig.builder()
                .datastorageUrl(config.datastorageUrl())
                .serviceName(config.serviceName())
                .build();
        List<String> keys = new ArrayList<>();
        diff("", config, defaults, CLIENT_ALWAYS_SET, keys);
        return keys;
    }

    /** The DataStorage keys of {@code config} that are not at their defaults, each prefixed {@code DataStorage }. */
    public static List<String> server(DataStorageConfig config) {
        List<String> keys = new ArrayList<>();
        diff("", config, DataStorageConfig.defaults(), SERVER_ALWAYS_SET, keys);
        return keys.stream().map(k -> "DataStorage " + k).toList();
    }

    /** The column's text: the keys joined, or {@code none}. */
    public static String describe(List<String> keys) {
        return keys.isEmpty() ? "none" : String.join(", ", keys);
    }

    private static void diff(String prefix, Record actual, Record defaults, Set<String> ignored, List<String> out) {
        for (RecordComponent c : actual.getClass().getRecordComponents()) {
            String flat = prefix + snakeCase(c.getName());
            String key = YAML_KEYS.getOrDefault(flat, flat);
            if (ignored.contains(key)) {
                continue;
            }
            Object a = value(c, actual);
            Object d = value(c, defaults);
            if (a instanceof Record ra && d instanceof Record rd && a.getClass() == d.getClass()) {
                diff(key + ".", ra, rd, ignored, out);
            } else if (!Objects.equals(a, d)) {
                out.add(key + "=" + format(a));
            }
        }
    }

    private static Object value(RecordComponent c, Record r) {
        try {
            return c.getAccessor().invoke(r);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("cannot read " + c.getName() + " of " + r.getClass(), e);
        }
    }

    private static String format(Object v) {
        if (v instanceof Path) {
            return "(a directory)"; // a temp directory: its name says nothing
        }
        if (v instanceof Duration d) {
            return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
        }
        return String.valueOf(v).toLowerCase(java.util.Locale.ROOT);
    }

    static String snakeCase(String camel) {
        StringBuilder b = new StringBuilder();
        for (char ch : camel.toCharArray()) {
            if (Character.isUpperCase(ch)) {
                b.append('_').append(Character.toLowerCase(ch));
            } else {
                b.append(ch);
            }
        }
        return b.toString();
    }
}
