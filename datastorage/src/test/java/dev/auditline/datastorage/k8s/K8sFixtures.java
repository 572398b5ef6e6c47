package dev.auditline.datastorage.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The EventList fixtures in {@code src/test/resources/k8s/}, written from the published {@code
 * audit.k8s.io/v1} schema. Their timestamps lie around {@link #BASE}; {@link #shifted} moves them
 * next to the server's clock, inside its {@code max_past} window.
 */
public final class K8sFixtures {
    /** The fixtures' first timestamp is close after this instant. */
    public static final Instant BASE = Instant.parse("2026-01-15T10:00:00Z");

    private static final ObjectMapper PLAIN = new ObjectMapper();
    /** kube-apiserver writes MicroTime: RFC 3339 with six fraction digits, in UTC. */
    private static final DateTimeFormatter MICRO =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

    private K8sFixtures() {}

    /** {@code verbs.json}, {@code identities.json} or {@code malformed.json}, as a fresh tree. */
    public static ObjectNode load(String name) {
        try (InputStream in = K8sFixtures.class.getResourceAsStream("/k8s/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture /k8s/" + name);
            }
            return (ObjectNode) PLAIN.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Item {@code i} of an EventList. */
    public static ObjectNode item(ObjectNode list, int i) {
        return (ObjectNode) list.get("items").get(i);
    }

    /** Moves every item's timestamps by {@code newBase - BASE}; keeps their spacing. */
    public static ObjectNode shifted(ObjectNode list, Instant newBase) {
        Duration by = Duration.between(BASE, newBase);
        for (JsonNode n : list.get("items")) {
            ObjectNode item = (ObjectNode) n;
            for (String field : new String[] {"requestReceivedTimestamp", "stageTimestamp"}) {
                JsonNode v = item.get(field);
                if (v != null && v.isTextual()) {
                    try {
                        item.put(
                                field, MICRO.format(Instant.parse(v.textValue()).plus(by)));
                    } catch (java.time.format.DateTimeParseException e) {
                        // the malformed fixtures' deliberately bad timestamps stay as they are
                    }
                }
            }
        }
        return list;
    }

    /** Fills the ConfigMap of {@code identities.json} item 5 with {@code bytes} characters of data. */
    public static ObjectNode withLargeConfigMap(ObjectNode identities, int bytes) {
        ObjectNode data = (ObjectNode) item(identities, 5).get("requestObject").get("data");
        data.put("catalog.json", "x".repeat(bytes));
        return identities;
    }

    public static String microTime(Instant t) {
        return MICRO.format(t);
    }
}
