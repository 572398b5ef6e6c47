package dev.auditline.datastorage.store;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.log.LeafEncoding;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SQLite store's one writer connection and the lock that guards it: every write (an ingest
 * batch, retention) runs here, one at a time, because SQLite has a single writer anyway and a
 * second writing connection would only wait on the file lock or fail with {@code SQLITE_BUSY}.
 *
 * <p>The time spent inside the lock bounds the ingest rate, so everything that does not need the
 * connection is done before taking it. The single writer also makes the log's indexes follow
 * commit order.
 *
 * <p>Each transaction starts with {@code BEGIN IMMEDIATE}, which takes SQLite's write lock before
 * the first read (waiting up to the busy timeout for another connection's write, such as the
 * verifiable log's tree writer). A deferred transaction would read the log first and then fail
 * with {@code SQLITE_BUSY_SNAPSHOT} whenever another connection committed in between, throwing
 * the batch's work away. The connection stays in JDBC auto-commit mode and the transaction is
 * spelled out, because sqlite-jdbc's manual-commit mode begins the next transaction right after
 * each commit, which with {@code IMMEDIATE} would hold the write lock between batches.
 */
final class SqliteBatchWriter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SqliteBatchWriter.class);

    /** A batch transaction refused as busy is run again up to this many times in all: {@value}. */
    static final int MAX_BUSY_ATTEMPTS = 20;

    private static final String INSERT = "INSERT INTO audit_events (event_date, "
            + String.join(", ", EventSql.EVENT_COLUMNS)
            + ", ingested_at, ingested_by) VALUES (?, "
            + "?, ".repeat(EventSql.EVENT_COLUMNS.size())
            + "?, ?)";

    private static final String STORED_LEAVES =
            "SELECT event_id, leaf FROM audit_log WHERE event_id IN (SELECT value FROM json_each(?))";

    /** The rows the writer inserted last, newest first: ingest_seq is the rowid, assigned in order. */
    private static final String INSERTED_SEQS =
            "SELECT event_id, ingest_seq FROM audit_events ORDER BY ingest_seq DESC LIMIT ?";

    private static final String APPEND_LOG =
            "INSERT INTO audit_log (log_index, event_id, event_date, leaf, leaf_hash) VALUES (?, ?, ?, ?, ?)";

    /** As in db/sqlite/V1__audit_events.sql; retention recreates it after deleting. */
    private static final String CREATE_DELETE_TRIGGER = "CREATE TRIGGER audit_events_no_delete"
            + " BEFORE DELETE ON audit_events BEGIN"
            + " SELECT RAISE(ABORT, 'audit_events is append-only: DELETE is not allowed'); END";

    private final String location;
    private final Clock clock;
    private final StoreReads reads;
    private final Object writeLock = new Object();
    private final Connection writer; // guarded by writeLock
    private boolean inTransaction; // guarded by writeLock

    /** @param writer a connection in auto-commit mode; this class owns and closes it */
    SqliteBatchWriter(String location, Clock clock, StoreReads reads, Connection writer) {
        this.location = location;
        this.clock = clock;
        this.reads = reads;
        this.writer = writer;
    }

    /**
     * Stores a batch in one transaction and appends the leaves of the events stored now to
     * {@code audit_log}. Each row's values (the event_date, the UUID and timestamp values, the
     * event_data JSON text) and the digests of its client fields, 24 of a leaf's 27, are computed
     * before taking the lock; inside it the rows go through a single {@code executeBatch} instead of
     * one {@code INSERT … RETURNING} query each, and a leaf only gets its three ingestion digests.
     */
    InsertResult insertBatch(List<AuditEvent> events, String ingestedBy) {
        Map<UUID, PreparedRow> rows = new HashMap<>();
        for (AuditEvent e : events) {
            rows.computeIfAbsent(
                    e.eventId(),
                    id -> new PreparedRow(
                            EventSql.eventDate(e.eventTimestamp()).toString(),
                            EventSql.eventValues(e, SqliteEventRepository.DIALECT),
                            LeafEncoding.encode(e.withIngestion(Instant.EPOCH, 0, ingestedBy))));
        }
        List<UUID> ids = BatchPlan.distinctIds(events);
        synchronized (writeLock) {
            reads.ensureOpen();
            // The clock is read under the lock, so batches get ingested_at in the order they are stored.
            Instant ingestedAt = Instant.now(clock).truncatedTo(ChronoUnit.MICROS);
            if (events.isEmpty()) {
                return new InsertResult(Set.of(), ingestedAt);
            }
            for (int attempt = 1; ; attempt++) {
                try {
                    begin();
                    BatchPlan plan = BatchPlan.of(events, storedLeaves(ids));
                    Set<UUID> created = new HashSet<>();
                    if (!plan.toInsert().isEmpty()) {
                        insertEvents(plan.toInsert(), rows, ingestedBy, ingestedAt);
                        created = appendLeaves(plan.toInsert(), rows, ingestedBy, ingestedAt);
                    }
                    commit();
                    return new InsertResult(created, plan.conflicts(), ingestedAt);
                } catch (SQLException e) {
                    rollbackQuietly();
                    SqlErrors.Kind kind = SqlErrors.classify(e);
                    if (kind != SqlErrors.Kind.BUSY || attempt >= MAX_BUSY_ATTEMPTS) {
                        // by its meaning, as reads are: a refused value is not an outage (which would spool)
                        throw reads.translate("store a batch of " + events.size() + " events", e);
                    }
                    pauseBeforeRetry(attempt);
                }
            }
        }
    }

    /**
     * Deletes the events of the months that ended on or before {@code cutoff}. The append-only
     * delete trigger is dropped and recreated inside the same transaction, so no other change can
     * slip through while it is away.
     */
    List<YearMonth> deleteMonthsBefore(LocalDate cutoff) {
        // The first day after the last whole month that ended on or before the cutoff.
        LocalDate keepFrom = YearMonth.from(cutoff).atDay(1);
        List<YearMonth> months = new ArrayList<>();
        synchronized (writeLock) {
            reads.ensureOpen();
            try (Statement s = writer.createStatement();
                    PreparedStatement select = writer.prepareStatement("SELECT DISTINCT substr(event_date, 1, 7)"
                            + " FROM audit_events WHERE event_date < ? ORDER BY 1");
                    PreparedStatement delete =
                            writer.prepareStatement("DELETE FROM audit_events WHERE event_date < ?")) {
                begin();
                select.setString(1, keepFrom.toString());
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        months.add(YearMonth.parse(rs.getString(1)));
                    }
                }
                if (!months.isEmpty()) {
                    s.execute("DROP TRIGGER audit_events_no_delete");
                    delete.setString(1, keepFrom.toString());
                    delete.executeUpdate();
                    s.execute(CREATE_DELETE_TRIGGER);
                }
                commit();
            } catch (SQLException e) {
                rollbackQuietly();
                throw reads.unavailable("delete the events before " + keepFrom, e);
            }
        }
        return months;
    }

    private static void pauseBeforeRetry(int attempt) {
        try {
            // a few milliseconds, growing: long enough for the other writer's short transaction to end
            Thread.sleep(ThreadLocalRandom.current().nextLong(1, 1L << Math.min(attempt + 1, 8)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The log's leaf of each of {@code ids} it holds; on the writer connection, under its lock. */
    private Map<UUID, byte[]> storedLeaves(List<UUID> ids) throws SQLException {
        // one JSON array parameter instead of one parameter per id; UUID text needs no escaping
        StringBuilder array = new StringBuilder(ids.size() * 39 + 2).append('[');
        for (UUID id : ids) {
            array.append(array.length() > 1 ? ",\"" : "\"").append(id).append('"');
        }
        Map<UUID, byte[]> leaves = new HashMap<>();
        try (PreparedStatement ps = writer.prepareStatement(STORED_LEAVES)) {
            ps.setString(1, array.append(']').toString());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    leaves.put(UUID.fromString(rs.getString(1)), rs.getBytes(2));
                }
            }
        }
        return leaves;
    }

    private void insertEvents(
            List<AuditEvent> events, Map<UUID, PreparedRow> rows, String ingestedBy, Instant ingestedAt)
            throws SQLException {
        long ingestedAtMicros = EventSql.epochMicros(ingestedAt);
        try (PreparedStatement ps = writer.prepareStatement(INSERT)) {
            for (AuditEvent e : events) {
                PreparedRow row = rows.get(e.eventId());
                ps.setString(1, row.eventDate());
                int i = 2;
                for (Object value : row.values()) {
                    ps.setObject(i++, value);
                }
                ps.setLong(i, ingestedAtMicros);
                ps.setString(i + 1, ingestedBy);
                ps.addBatch();
            }
            // No ON CONFLICT: the plan holds only ids the log does not know, so a conflict here
            // (an event stored without its leaf) fails the batch instead of hiding it.
            ps.executeBatch();
        }
    }

    /**
     * Appends the leaves of the events just inserted, in batch order, after the log's last index;
     * reads back their {@code ingest_seq} first, which the leaf covers.
     */
    private Set<UUID> appendLeaves(
            List<AuditEvent> inserted, Map<UUID, PreparedRow> rows, String ingestedBy, Instant ingestedAt)
            throws SQLException {
        Map<UUID, Long> seqs = new HashMap<>();
        try (PreparedStatement ps = writer.prepareStatement(INSERTED_SEQS)) {
            ps.setInt(1, inserted.size());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    seqs.put(UUID.fromString(rs.getString(1)), rs.getLong(2));
                }
            }
        }
        long next = AuditLogSql.logSize(writer);
        try (PreparedStatement ps = writer.prepareStatement(APPEND_LOG)) {
            for (AuditEvent e : inserted) {
                Long seq = seqs.get(e.eventId());
                if (seq == null) {
                    throw new SQLException("event " + e.eventId() + " was inserted but cannot be read back");
                }
                PreparedRow row = rows.get(e.eventId());
                byte[] leaf = LeafEncoding.withIngestion(row.clientLeaf(), ingestedAt, seq, ingestedBy);
                ps.setLong(1, next++);
                ps.setString(2, e.eventId().toString());
                ps.setString(3, row.eventDate());
                ps.setBytes(4, leaf);
                ps.setBytes(5, LeafEncoding.leafHash(leaf));
                ps.addBatch();
            }
            ps.executeBatch();
        }
        return seqs.keySet();
    }

    /**
     * One event's event_date, {@link EventSql#eventValues} and leaf with placeholder ingestion
     * values, computed before taking the writer lock.
     */
    private record PreparedRow(String eventDate, Object[] values, byte[] clientLeaf) {}

    private void begin() throws SQLException {
        try (Statement s = writer.createStatement()) {
            s.execute("BEGIN IMMEDIATE");
        }
        inTransaction = true;
    }

    private void commit() throws SQLException {
        try (Statement s = writer.createStatement()) {
            s.execute("COMMIT");
        }
        inTransaction = false;
    }

    private void rollbackQuietly() {
        if (!inTransaction) {
            return; // BEGIN itself failed: nothing to undo
        }
        try (Statement s = writer.createStatement()) {
            s.execute("ROLLBACK");
            inTransaction = false;
        } catch (SQLException e) {
            log.warn("SQLite store {}: rollback failed", location, e);
        }
    }

    /** Waits for the batch in progress, then closes the connection. */
    @Override
    public void close() {
        synchronized (writeLock) {
            try {
                writer.close();
            } catch (SQLException e) {
                log.warn("SQLite store {}: closing the writer connection failed", location, e);
            }
        }
    }
}
