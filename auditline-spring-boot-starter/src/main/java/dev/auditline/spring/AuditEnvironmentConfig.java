package dev.auditline.spring;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.auditline.client.AuditClientConfig;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.origin.OriginTrackedValue;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;

/**
 * Builds the client's configuration from the {@code audit.*} properties of a Spring environment by
 * handing the whole subtree to the client's own YAML loader, so keys, units, defaults, validation and
 * messages are exactly the client's, and a key the client learns later works here unchanged.
 *
 * <p>Spring's relaxed binding is deliberately not used: it would accept {@code flush-interval} and
 * {@code flushInterval} where the client's file accepts only {@code flush_interval}, and a property
 * the binder does not know would be dropped silently instead of being reported as an unknown key.
 * The {@code AUDIT_*} environment variables are applied by the client's loader, by its own rule,
 * so they are not read a second time from Spring's {@code systemEnvironment} source.
 */
final class AuditEnvironmentConfig {
    static final String SOURCE = "the Spring environment (audit.* properties)";
    private static final String PREFIX = "audit.";

    private AuditEnvironmentConfig() {}

    /**
     * @throws dev.auditline.client.AuditConfigException listing every problem, with the client's messages
     */
    static AuditClientConfig load(ConfigurableEnvironment environment, Map<String, String> env) {
        try {
            return AuditClientConfig.fromYaml(new StringReader(yaml(environment)), SOURCE, env);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the audit.* properties as YAML", e);
        }
    }

    /** The {@code audit:} section as YAML text, each key from the property source with the highest precedence. */
    static String yaml(ConfigurableEnvironment environment) {
        Map<String, Object> audit = new LinkedHashMap<>();
        boolean present = false;
        for (PropertySource<?> source : environment.getPropertySources()) {
            if (!(source instanceof EnumerablePropertySource<?> enumerable)
                    || StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME.equals(source.getName())) {
                continue;
            }
            for (String name : enumerable.getPropertyNames()) {
                if (name.equals("audit")) {
                    present = true;
                } else if (name.startsWith(PREFIX)) {
                    present = true;
                    put(audit, name.substring(PREFIX.length()), value(environment, source.getProperty(name)));
                }
            }
        }
        Map<String, Object> document = new LinkedHashMap<>();
        if (present || !audit.isEmpty()) {
            document.put("audit", audit);
        }
        try {
            return new YAMLMapper().writeValueAsString(document);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render the audit.* properties as YAML", e);
        }
    }

    /** Sets {@code a.b.c} in the tree unless a source of higher precedence set it already. */
    @SuppressWarnings("unchecked")
    private static void put(Map<String, Object> tree, String path, Object value) {
        String[] parts = path.split("\\.", -1);
        Map<String, Object> node = tree;
        for (int i = 0; i < parts.length - 1; i++) {
            Object child = node.get(parts[i]);
            if (child == null) {
                child = new LinkedHashMap<String, Object>();
                node.put(parts[i], child);
            } else if (!(child instanceof Map)) {
                // a scalar of higher precedence already stands here; the client reports its shape
                return;
            }
            node = (Map<String, Object>) child;
        }
        node.putIfAbsent(parts[parts.length - 1], value);
    }

    private static Object value(ConfigurableEnvironment environment, Object raw) {
        Object v = raw instanceof OriginTrackedValue tracked ? tracked.getValue() : raw;
        // placeholders (${DATASTORAGE_URL}) resolve as everywhere else in application.yaml
        return v instanceof CharSequence text ? environment.resolveRequiredPlaceholders(text.toString()) : v;
    }
}
