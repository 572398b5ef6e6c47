package dev.auditline.auditctl;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Pages of {@code GET /api/v1/audit/events}: one page, or every page by following {@code
 * next_cursor} (keyset paging, so a page costs the same however deep it is and events stored
 * meanwhile neither shift nor repeat what was read).
 */
final class EventPages {
    static final String EVENTS = "/api/v1/audit/events";
    static final Duration TIMEOUT = Duration.ofSeconds(60);

    /** One page: its events and the cursor of the next, {@code null} at the end. */
    record Page(List<JsonNode> events, String nextCursor) {}

    private final ApiClient api;

    EventPages(ApiClient api) {
        this.api = api;
    }

    Page fetch(Map<String, String> query) {
        JsonNode body = api.getJson(api.uri(EVENTS, query), TIMEOUT);
        List<JsonNode> events = new ArrayList<>();
        body.path("events").forEach(events::add);
        JsonNode next = body.get("next_cursor");
        return new Page(events, next == null || next.isNull() ? null : next.asText());
    }

    /**
     * Hands every event matching {@code query} to {@code sink}, page after page, and calls {@code
     * afterPage} with the running count after each page.
     *
     * @return the number of events
     */
    long forEach(Map<String, String> query, Consumer<JsonNode> sink, Consumer<Long> afterPage) {
        Map<String, String> q = new LinkedHashMap<>(query);
        long count = 0;
        while (true) {
            Page page = fetch(q);
            for (JsonNode e : page.events()) {
                sink.accept(e);
                count++;
            }
            afterPage.accept(count);
            if (page.nextCursor() == null || page.events().isEmpty()) {
                return count;
            }
            q.put("cursor", page.nextCursor());
        }
    }
}
