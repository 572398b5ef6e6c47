package dev.auditline.datastorage.store;

import dev.auditline.api.EventOutcome;
import java.time.Instant;

/**
 * The filters of {@code GET /api/v1/audit/events}; {@code null} means "any". {@code since} is
 * inclusive, {@code until} exclusive. {@code after} continues a previous page. A page ends after
 * {@code limit} events, or earlier, after the event that brings its size to {@code maxPageBytes}
 * (see {@code PageSize}).
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
        PageCursor after,
        long maxPageBytes) {

    public static final int DEFAULT_LIMIT = 100;
    public static final int MAX_LIMIT = 1000;
    /** The default of {@code query.max_page_bytes}: 4 MiB. */
    public static final long DEFAULT_MAX_PAGE_BYTES = 4L * 1024 * 1024;

    /**
     * The earliest time a query bound or cursor may name. Both stores hold every instant from here
     * to {@link #LATEST} (SQLite as microseconds since the epoch, PostgreSQL as {@code timestamptz});
     * outside it one overflows and the other refuses, so the HTTP layer answers {@code 400} first.
     */
    public static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");
    /** The latest time a query bound or cursor may name (see {@link #EARLIEST}). */
    public static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999999Z");

    public EventQuery {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be between 1 and " + MAX_LIMIT + " (got " + limit + ")");
        }
        if (maxPageBytes < 1) {
            throw new IllegalArgumentException("maxPageBytes must be ≥ 1 (got " + maxPageBytes + ")");
        }
        checkRange("since", since);
        checkRange("until", until);
    }

    /** A query whose pages are bounded by {@link #DEFAULT_MAX_PAGE_BYTES}. */
    public EventQuery(
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
        this(
                correlationId,
                eventType,
                eventCategory,
                eventOutcome,
                actorId,
                resourceType,
                resourceId,
                since,
                until,
                descending,
                limit,
                after,
                DEFAULT_MAX_PAGE_BYTES);
    }

    /** Whether {@code t} lies within {@link #EARLIEST} .. {@link #LATEST}. */
    public static boolean inRange(Instant t) {
        return !t.isBefore(EARLIEST) && !t.isAfter(LATEST);
    }

    private static void checkRange(String name, Instant t) {
        if (t != null && !inRange(t)) {
            throw new IllegalArgumentException(
                    name + " must be from " + EARLIEST + " to " + LATEST + " (got " + t + ")");
        }
    }
}
