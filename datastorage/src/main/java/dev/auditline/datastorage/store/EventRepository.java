package dev.auditline.datastorage.store;

import dev.auditline.api.AuditEvent;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * Where DataStorage keeps events: PostgreSQL in production, SQLite as the embedded default. Both
 * implementations pass the same contract test suite.
 *
 * <p>Implementations are thread-safe. Every method throws {@link StorageUnavailableException} when
 * the database cannot be reached, so the HTTP layer can answer {@code 503} and nothing is stored.
 */
public interface EventRepository extends AutoCloseable {

    /**
     * Stores {@code events} (all valid) in one transaction, and appends a leaf for each event
     * stored now to the log ({@code audit_log}) in the same transaction, at the next contiguous log
     * indexes in commit order. Returns only after the transaction committed.
     *
     * <p>An event id is unique across the whole store. An id already stored, or repeated within the
     * batch, is stored once: a later copy with the same client content is a duplicate, one with
     * other content a conflict ({@link InsertResult#conflicts()}); the first event keeps the id.
     *
     * @param ingestedBy the authenticated client name, stored with each event ({@code null} when auth is off)
     * @return which ids were new, which conflicted, and the commit's {@code ingested_at}
     */
    InsertResult insertBatch(List<AuditEvent> events, String ingestedBy);

    /** How many events the log holds: its log indexes are {@code 0 .. logSize() - 1}. */
    long logSize();

    /**
     * Up to {@code max} leaves of the log from {@code fromInclusive} on, in log index order.
     *
     * @throws IllegalArgumentException when {@code fromInclusive < 0} or {@code max} is outside
     *     1..{@value AuditLogSql#MAX_READ}
     */
    List<LogLeaf> readLeaves(long fromInclusive, int max);

    /**
     * Up to {@code max} positions of the log after {@code afterExclusive} ({@code -1}: from the
     * start), in log index order, each with its stored event ({@code null} once retention removed
     * it).
     *
     * @throws IllegalArgumentException when {@code afterExclusive < -1} or {@code max} is outside
     *     1..{@value AuditLogSql#MAX_READ}
     */
    List<LogEntry> readLog(long afterExclusive, int max);

    /**
     * As {@link #readLog(long, int)}, but ends before the entry that would take the entries past
     * {@code maxBytes} (each counted as its event's {@link AuditEvent#estimatedJsonBytes()} and a
     * little more); the first entry is always returned, however large.
     */
    default List<LogEntry> readLog(long afterExclusive, int max, long maxBytes) {
        return readLog(afterExclusive, max);
    }

    /** The log index of a stored event id. */
    OptionalLong logIndexOf(UUID eventId);

    /** The stored event, with {@code ingested_at}, {@code ingest_seq} and {@code ingested_by}. */
    Optional<AuditEvent> findById(UUID eventId);

    /** One page of events matching {@code query}, in keyset order on (event_timestamp, event_id). */
    EventPage query(EventQuery query);

    /** Whether the database answers and the schema is migrated; never throws. */
    boolean isReady();

    /**
     * Retention: removes the events of every calendar month (by the UTC day of
     * {@code event_timestamp}) that ended on or before {@code cutoff}, whole months at a time, the
     * only removal an append-only store allows. PostgreSQL drops the months' partitions; events
     * in its default partition are kept. The log keeps the leaves (and the ids) of removed events.
     *
     * @return the months removed, oldest first
     * @throws UnsupportedOperationException when the implementation has no retention
     */
    default List<YearMonth> dropMonthsBefore(LocalDate cutoff) {
        throw new UnsupportedOperationException(
                "retention is not supported by " + getClass().getSimpleName());
    }

    /** Releases the connection pool. Idempotent. */
    @Override
    void close();
}
