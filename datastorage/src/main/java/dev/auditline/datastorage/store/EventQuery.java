package dev.auditline.datastorage.store;

import dev.auditline.api.EventOutcome;
import java.time.Instant;

/**
 * The filters of {@code GET /api/v1/audit/events}; {@code null} means "any". {@code since} is
 * inclusive, {@code until} exclusive. {@code after} continues a previous page.
 */
public record EventQuery(
        String correlationId,
        String eventType,
        String eventCategory,
        EventOutcome eventOutcome,
        String actorId,
        String resourceType,
        String resourceId,
        Instant since,
        Instant until,
        boolean descending,
        int limit,
        PageCursor after) {

    public static final int DEFAULT_LIMIT = 100;
    public static final int MAX_LIMIT = 1000;

    public EventQuery {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be between 1 and " + MAX_LIMIT + " (got " + limit + ")");
        }
    }
}
