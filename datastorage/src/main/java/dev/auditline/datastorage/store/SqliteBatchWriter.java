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
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SQLite store's one writer connection and the lock that guards it: every write (an ingest
 * batch, retention) runs here, one at a time, because SQLite has a single writer anyway and a
 * second writing connection would only wait on the file lock or fail with {@code SQLITE_BUSY}.
 *
 * <p>The time spent inside the lock bounds the ingest rate, so everything that does not need the
 * connection is done before taking it, and the batches that wait for the lock meanwhile are
 * stored together by its next holder, with one commit (group commit, see {@link #insertBatch}):
 * each commit is an fsync, and pages that several batches change are written to the WAL once.
 * The single writer also makes the log's indexes follow commit order.
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

    /**
     * Busy answers are retried only while the group has waited less than this in all: the busy
     * timeout. Each attempt's {@code BEGIN IMMEDIATE} already waits up to the busy timeout for
     * another connection's write, so without this bound a file held by another writer kept a
     * batch for 20 busy timeouts (100 s), far past any client's timeout, instead of answering
     * {@code 503 storage-busy} after one or two.
     */
    static final long BUSY_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(SqliteEventRepository.BUSY_TIMEOUT_MS);

    /**
     * The most events one group commit stores, unless its first batch alone is larger: {@value}
     * (four of the client's default 1,000-event batches), so one transaction's WAL growth and the
     * wait of its last batch stay bounded.
     */
    static final int MAX_GROUP_EVENTS = 4_096;

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
    private final ReentrantLock writeLock = new ReentrantLock();
    private final Connection writer; // guarded by writeLock
    private boolean inTransaction; // guarded by writeLock
    private volatile long commits; // written under writeLock only
    /** Batches waiting for the writer, in arrival order; taken only under writeLock. */
    private final Queue<WaitingBatch> waiting = new ConcurrentLinkedQueue<>();

    /** @param writer a connection in auto-commit mode; this class owns and closes it */
    SqliteBatchWriter(String location, Clock clock, StoreReads reads, Connection writer) {
        this.location = location;
        this.clock = clock;
        this.reads = reads;
        this.writer = writer;
    }

    /**
     * Stores a batch and appends the leaves of the events stored now to {@code audit_log}, and
     * returns once the transaction that holds them committed. Each row's values (the event_date,
     * the UUID and timestamp values, the event_data JSON text) and the digests of its client
     * fields, 24 of a leaf's 27, are computed before the batch queues for the writer; inside it the
     * rows go through a single {@code executeBatch} instead of one {@code INSERT … RETURNING} query
     * each, and a leaf only gets its three ingestion digests.
     *
     * <p>Group commit: the batch joins the queue of batches waiting for the writer, and whichever
     * caller takes the writer lock next stores every batch then waiting (up to {@value
     * #MAX_GROUP_EVENTS} events) in one transaction, one after the other in arrival order, with
     * one commit and so one fsync for all of them. Nothing waits for more batches to arrive: a lone
     * batch is stored at once, alone. Each batch of a group sees the rows the earlier ones stored,
     * so its duplicates, conflicts and created ids are the ones it would get run alone in that
     * order. When any batch of a group fails, the group is rolled back and its batches are run
     * again one transaction each, so only the failing batch fails.
     */
    InsertResult insertBatch(List<AuditEvent> events, String ingestedBy) {
        if (events.isEmpty()) {
            writeLock.lock();
            try {
                reads.ensureOpen();
                return new InsertResult(Set.of(), Instant.now(clock).truncatedTo(ChronoUnit.MICROS));
            } finally {
                writeLock.unlock();
            }
        }
        WaitingBatch mine = WaitingBatch.prepare(events, ingestedBy);
        waiting.add(mine);
        while (!mine.isDone()) {
            writeLock.lock();
            try {
                if (!mine.isDone()) {
                    store(takeGroup());
                }
            } finally {
                writeLock.unlock();
            }
        }
        return mine.outcome();
    }

    /**
     * The batches waiting now, oldest first, up to {@value #MAX_GROUP_EVENTS} events (the first
     * one whatever its size). Only the holder of the writer lock takes from the queue.
     */
    private List<WaitingBatch> takeGroup() {
        List<WaitingBatch> group = new ArrayList<>();
        int events = 0;
        for (WaitingBatch next = waiting.peek(); next != null; next = waiting.peek()) {
            if (!group.isEmpty() && events + next.events().size() > MAX_GROUP_EVENTS) {
                break;
            }
            waiting.poll();
            group.add(next);
            events += next.events().size();
        }
        return group;
    }

    /** Stores {@code group} and completes each of its batches, whatever happens; under the writer lock. */
    private void store(List<WaitingBatch> group) {
        try {
            reads.ensureOpen();
            storeTogether(group);
        } catch (RuntimeException e) {
            for (WaitingBatch b : group) {
                b.fail(e);
            }
        } finally {
            for (WaitingBatch b : group) {
                b.fail(new IllegalStateException("SQLite store " + location + ": a batch of "
                        + b.events().size() + " events was left unfinished by its writer"));
            }
        }
    }

    /**
     * One transaction for the whole group, run again while SQLite answers busy; on any other error
     * with more than one batch, each batch on its own.
     */
    private void storeTogether(List<WaitingBatch> group) {
        long started = System.nanoTime();
        for (int attempt = 1; ; attempt++) {
            try {
                begin();
                List<InsertResult> results = new ArrayList<>(group.size());
                for (WaitingBatch b : group) {
                    results.add(storeInTransaction(b));
                }
                commit();
                commits++;
                for (int i = 0; i < group.size(); i++) {
                    group.get(i).succeed(results.get(i));
                }
                return;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly();
                boolean busy = e instanceof SQLException sql && SqlErrors.classify(sql) == SqlErrors.Kind.BUSY;
                if (busy && attempt < MAX_BUSY_ATTEMPTS && System.nanoTime() - started < BUSY_RETRY_NANOS) {
                    pauseBeforeRetry(attempt);
                } else if (!busy && group.size() > 1) {
                    // one batch failed: the others must not fail with it, nor depend on it
                    for (WaitingBatch b : group) {
                        storeTogether(List.of(b));
                    }
                    return;
                } else {
                    for (WaitingBatch b : group) {
                        // by its meaning, as reads are: a refused value is not an outage (which would spool)
                        b.fail(
                                e instanceof SQLException sql
                                        ? reads.translate(
                                                "store a batch of " + b.events().size() + " events", sql)
                                        : (RuntimeException) e);
                    }
                    return;
                }
            } catch (Error e) {
                // left open, the transaction would keep the write lock and fail every later batch
                rollbackQuietly();
                throw e;
            }
        }
    }

    /** One batch inside the open transaction; sees every row stored earlier in it. */
    private InsertResult storeInTransaction(WaitingBatch b) throws SQLException {
        // The clock is read under the lock, so batches get ingested_at in the order they are stored.
        Instant ingestedAt = Instant.now(clock).truncatedTo(ChronoUnit.MICROS);
        BatchPlan plan = BatchPlan.of(b.events(), storedLeaves(b.ids()));
        Set<UUID> created = Set.of();
        if (!plan.toInsert().isEmpty()) {
            insertEvents(plan.toInsert(), b.rows(), b.ingestedBy(), ingestedAt);
            created = appendLeaves(plan.toInsert(), b.rows(), b.ingestedBy(), ingestedAt);
        }
        return new InsertResult(created, plan.conflicts(), ingestedAt);
    }

    /** Batches queued for the writer now; for tests and diagnostics. */
    int waitingBatches() {
        return waiting.size();
    }

    /** Transactions that stored batches and committed; for tests and diagnostics. */
    long commits() {
        return commits;
    }

    /** Whether a caller holds the writer now; for tests and diagnostics. */
    boolean isWriting() {
        return writeLock.isLocked();
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
        writeLock.lock();
        try {
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
            } catch (RuntimeException | Error e) {
                rollbackQuietly(); // and the delete trigger dropped inside it comes back
                throw e;
            }
        } finally {
            writeLock.unlock();
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
            List<AuditEvent> events, Map<UUID, WaitingBatch.PreparedRow> rows, String ingestedBy, Instant ingestedAt)
            throws SQLException {
        long ingestedAtMicros = EventSql.epochMicros(ingestedAt);
        try (PreparedStatement ps = writer.prepareStatement(INSERT)) {
            for (AuditEvent e : events) {
                WaitingBatch.PreparedRow row = rows.get(e.eventId());
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
            List<AuditEvent> inserted, Map<UUID, WaitingBatch.PreparedRow> rows, String ingestedBy, Instant ingestedAt)
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
                WaitingBatch.PreparedRow row = rows.get(e.eventId());
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
        writeLock.lock();
        try {
            writer.close();
        } catch (SQLException e) {
            log.warn("SQLite store {}: closing the writer connection failed", location, e);
        } finally {
            writeLock.unlock();
        }
    }
}
