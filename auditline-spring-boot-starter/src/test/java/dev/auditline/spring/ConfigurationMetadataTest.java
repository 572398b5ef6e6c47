package dev.auditline.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.auditline.client.AuditClientConfig;
import dev.auditline.client.AuditConfigException;
import java.io.InputStream;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The IDE metadata names exactly the keys the client's loader accepts. The client's own "unknown
 * key (known: …)" messages are the list, so a key added to the client fails this test until the
 * metadata describes it.
 */
class ConfigurationMetadataTest {
    private static final Pattern KNOWN = Pattern.compile("unknown key \\(known: ([^)]*)\\)");

    @Test
    void metadataListsEveryKeyTheClientAcceptsAndNoOther() throws Exception {
        JsonNode metadata;
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            metadata = new ObjectMapper().readTree(in);
        }
        TreeSet<String> described = new TreeSet<>();
        metadata.path("properties").forEach(p -> described.add(p.path("name").asText()));

        TreeSet<String> accepted = new TreeSet<>();
        for (String top : known("audit:\n  no_such_key: 1\n")) {
            List<String> sub = known("audit:\n  " + top + ":\n    no_such_key: 1\n");
            if (sub.isEmpty()) {
                accepted.add("audit." + top);
            } else {
                sub.forEach(k -> accepted.add("audit." + top + "." + k));
            }
        }
        assertThat(accepted).hasSizeGreaterThan(10);
        assertThat(described).isEqualTo(accepted);
    }

    @Test
    void everyDescribedDefaultIsTheClientsDefault() throws Exception {
        JsonNode metadata;
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            metadata = new ObjectMapper().readTree(in);
        }
        AuditClientConfig defaults = AuditClientConfig.builder()
                .datastorageUrl("http://127.0.0.1:9")
                .serviceName("billing")
                .build();
        StringBuilder yaml =
                new StringBuilder("audit:\n  datastorage_url: http://127.0.0.1:9\n  service_name: billing\n");
        for (JsonNode p : metadata.path("properties")) {
            if (p.has("defaultValue")) {
                String[] parts = p.path("name").asText().split("\\.");
                String value = "\"" + p.path("defaultValue").asText() + "\"";
                yaml.append(
                        parts.length == 2
                                ? "  " + parts[1] + ": " + value + "\n"
                                : "  " + parts[1] + ": {" + parts[2] + ": " + value + "}\n");
            }
        }
        // one flow mapping per key would repeat sections; the YAML parser keeps the last, so merge them
        AuditClientConfig described =
                AuditClientConfig.fromYaml(new StringReader(merge(yaml.toString())), "metadata", Map.of());
        assertThat(described).isEqualTo(defaults);
    }

    private static String merge(String yaml) {
        StringBuilder out = new StringBuilder();
        java.util.Map<String, List<String>> sections = new java.util.LinkedHashMap<>();
        for (String line : yaml.split("\n")) {
            Matcher m = Pattern.compile("^  (\\w+): \\{(.*)}$").matcher(line);
            if (m.matches()) {
                sections.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(m.group(2));
            } else {
                out.append(line).append('\n');
            }
        }
        sections.forEach((name, entries) -> out.append("  ")
                .append(name)
                .append(": {")
                .append(String.join(", ", entries))
                .append("}\n"));
        return out.toString();
    }

    /** The keys the client names as known at that level, empty when the key is a scalar there. */
    private static List<String> known(String yaml) throws Exception {
        try {
            AuditClientConfig.fromYaml(new StringReader(yaml), "probe", Map.of());
        } catch (AuditConfigException e) {
            for (String problem : e.problems()) {
                Matcher m = KNOWN.matcher(problem);
                if (m.find()) {
                    return List.of(m.group(1).split(", "));
                }
            }
        }
        return List.of();
    }
}
