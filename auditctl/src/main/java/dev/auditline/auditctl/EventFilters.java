package dev.auditline.auditctl;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The filters of {@code GET /api/v1/audit/events}, shared by {@code query}, {@code tail} and
 * {@code export} as a picocli mixin. {@link #toQuery()} gives the API's parameters; {@link
 * #matches(JsonNode)} applies the same filters to one event on the client, for {@code tail}, whose
 * endpoint has none.
 */
final class EventFilters {
    @Option(names = "--correlation-id", paramLabel = "ID", description = "Only events of this correlation id.")
    String correlationId;

    @Option(names = "--event-type", paramLabel = "TYPE", description = "Only this event_type.")
    String eventType;

    @Option(names = "--event-category", paramLabel = "CATEGORY", description = "Only this event_category.")
    String eventCategory;

    @Option(
            names = "--event-outcome",
            paramLabel = "OUTCOME",
            description = "Only this outcome: success, failure or pending.")
    String eventOutcome;

    @Option(names = "--actor-id", paramLabel = "ACTOR", description = "Only events by this actor_id.")
    String actorId;

    @Option(names = "--resource-type", paramLabel = "TYPE", description = "Only this resource_type.")
    String resourceType;

    @Option(names = "--resource-id", paramLabel = "ID", description = "Only this resource_id.")
    String resourceId;

    /** The API's parameter names and values, unset filters left out, in the API's order. */
    Map<String, String> toQuery() {
        Map<String, String> q = new LinkedHashMap<>();
        put(q, "correlation_id", correlationId);
        put(q, "event_type", eventType);
        put(q, "event_category", eventCategory);
        put(q, "event_outcome", eventOutcome);
        put(q, "actor_id", actorId);
        put(q, "resource_type", resourceType);
        put(q, "resource_id", resourceId);
        return q;
    }

    /** Whether one event (as the API serves it) passes every set filter. */
    boolean matches(JsonNode event) {
        for (Map.Entry<String, String> f : toQuery().entrySet()) {
            JsonNode value = event.get(f.getKey());
            if (value == null || value.isNull() || !value.asText().equals(f.getValue())) {
                return false;
            }
        }
        return true;
    }

    private static void put(Map<String, String> q, String name, String value) {
        if (value != null) {
            q.put(name, value);
        }
    }
}
