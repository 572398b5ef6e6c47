package dev.auditline.datastorage.store;

import dev.auditline.api.AuditEvent;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.List;
import java.util.Optional;
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
     * Stores {@code events} (all valid) in one transaction, ignoring ids that are already stored.
     * Returns only after the transaction committed.
     *
     * @param ingestedBy the authenticated client name, stored with each event ({@code null} when auth is off)
     * @return which ids were new, and the commit's {@code ingested_at}
     */
    InsertResult insertBatch(List<AuditEvent> events, String ingestedBy);

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
     * in its default partition are kept.
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
