package dev.auditline.datastorage.store;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.log.LeafEncoding;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The statements of one PostgreSQL batch transaction, and the rule that keeps each event id unique
 * across the store. {@code audit_log.event_id} ({@code UNIQUE}) is the one unique check: a batch
 * inserts its events (no {@code ON CONFLICT}, in key order), then takes {@link #LOG_LOCK_KEY} and
 * appends their leaves after the log's last index. The lock is held only from the append to the
 * commit, so log indexes follow commit order without a gap while the inserts of concurrent batches
 * still run in parallel.
 *
 * <p>The first attempt looks nothing up: a batch of new ids, the usual case, pays no read. A
 * unique violation (an id already stored, on the day's primary key of {@code audit_events} or on
 * the log's {@code event_id}) or a deadlock rolls the transaction back; the batch then reads the
 * log's leaves of all its ids and runs again knowing them ({@link BatchPlan} names duplicates and
 * conflicts). It runs again only while that read, made after the failure, finds more of its ids
 * than the attempt knew: ids are never removed from the log, so each retry follows an id another
 * batch committed, and a batch retries at most once per id it shares, plus at most {@link
 * #DEADLOCK_RETRIES} times after a deadlock. A violation that no stored id explains (a row in
 * {@code audit_events} without its leaf, written around this class) fails the batch as the
 * store's fault ({@code XX000}, a {@code 500}). Inserting in one key order ({@link #insertOrder})
 * means two batches that send the same new ids wait for each other in one direction only.
 *
 * <p>The events go in one binary {@code COPY} ({@link EventCopy}), their {@code ingest_seq} values
 * taken from the sequence first. COPY needs no staging table now that the insert has no {@code ON
 * CONFLICT}; measured against the {@code unnest} insert it replaced in docs/storage.md.
 */
final class PostgresBatchWriter {
    /** Serializes appends to audit_log, so log indexes follow commit order. */
    static final long LOG_LOCK_KEY = 0x6175646974_6c6f67L;

    /** PostgreSQL's uuid order: the 16 bytes unsigned, as the canonical text sorts. */
    static final Comparator<UUID> PG_UUID_ORDER = (a, b) -> {
        int high = Long.compareUnsigned(a.getMostSignificantBits(), b.getMostSignificantBits());
        return high != 0 ? high : Long.compareUnsigned(a.getLeastSignificantBits(), b.getLeastSignificantBits());
    };

    private static final String STORED_LEAVES =
            "SELECT event_id, leaf FROM audit_log WHERE event_id = ANY(?::text[]::uuid[])";

    private static final String APPEND_LOG = "INSERT INTO audit_log (log_index, event_id, event_date, leaf, leaf_hash)"
            + " SELECT (SELECT coalesce(max(log_index) + 1, 0) FROM audit_log) + u.ord - 1,"
            + " u.event_id, u.event_date, u.leaf, u.leaf_hash"
            + " FROM unnest(?::text[]::uuid[], ?::text[]::date[], ?::bytea[], ?::bytea[])"
            + " WITH ORDINALITY AS u(event_id, event_date, leaf, leaf_hash, ord)";

    private static final String LOCK_LOG = "SELECT pg_advisory_xact_lock(" + LOG_LOCK_KEY + ")";

    private static final String UNIQUE_VIOLATION = "23505";

    private static final String DEADLOCK_DETECTED = "40P01";

    /**
     * How often a batch runs again after a deadlock that no newly stored id explains: the other
     * transaction has gone on and the next attempt waits for it. Batches take shared keys in one
     * order ({@link #insertOrder}), so this is for the cases that order cannot rule out: DDL (a
     * partition created or dropped) and days of the default partition on both sides of a month
     * partition in one batch.
     */
    static final int DEADLOCK_RETRIES = 3;

    /** SQLState of an internal inconsistency: a fault of the store ({@code 500}), not the request's. */
    private static final String INTERNAL_ERROR = "XX000";

    private PostgresBatchWriter() {}

    /**
     * The {@link LeafEncoding#clientLeaf client leaves} of {@code events}, by event object: the 24
     * client digests and the canonical {@code event_data}, most of a leaf's work, done before the
     * batch takes a pool connection.
     */
    static Map<AuditEvent, byte[]> clientLeaves(List<AuditEvent> events) {
        Map<AuditEvent, byte[]> leaves = new IdentityHashMap<>(events.size() * 2);
        for (AuditEvent e : events) {
            leaves.put(e, LeafEncoding.clientLeaf(e));
        }
        return leaves;
    }

    /**
     * Stores the batch on {@code c} (in manual-commit mode) and commits, running it again after a
     * unique violation or a deadlock as the class comment describes; rolls back whatever it does
     * not commit.
     *
     * @param clientLeaves {@link #clientLeaves} of {@code events}
     */
    static InsertResult store(
            Connection c,
            List<AuditEvent> events,
            Map<AuditEvent, byte[]> clientLeaves,
            String ingestedBy,
            Instant ingestedAt)
            throws SQLException {
        Map<UUID, byte[]> stored = Map.of(); // the first attempt reads nothing
        int deadlocks = 0;
        while (true) {
            try {
                InsertResult result = write(c, events, stored, clientLeaves, ingestedBy, ingestedAt);
                c.commit();
                return result;
            } catch (SQLException e) {
                rollbackKeeping(c, e);
                String state = e.getSQLState();
                if (!UNIQUE_VIOLATION.equals(state) && !DEADLOCK_DETECTED.equals(state)) {
                    throw e;
                }
                // read after the failure: whatever the attempt met was committed before it failed
                Map<UUID, byte[]> nowStored = readAfter(c, BatchPlan.distinctIds(events), e);
                boolean deadlockRetry = DEADLOCK_DETECTED.equals(state) && deadlocks++ < DEADLOCK_RETRIES;
                if (nowStored.size() <= stored.size() && !deadlockRetry) {
                    SQLException unexplained = unexplained(e);
                    rollbackKeeping(c, unexplained);
                    throw unexplained;
                }
                stored = nowStored; // the read began the next attempt's transaction
            } catch (RuntimeException | Error e) {
                rollbackKeeping(c, e);
                throw e;
            }
        }
    }

    /**
     * Rolls back; a rollback that fails too (the connection is gone) is kept as suppressed by
     * {@code cause}, so the error that ended the attempt is the one reported.
     */
    private static void rollbackKeeping(Connection c, Throwable cause) {
        try {
            c.rollback();
        } catch (SQLException | RuntimeException r) {
            cause.addSuppressed(r);
        }
    }

    /** {@link #storedLeaves} after {@code failure}; rolls back and keeps the failure if it fails. */
    private static Map<UUID, byte[]> readAfter(Connection c, List<UUID> ids, SQLException failure) throws SQLException {
        try {
            return storedLeaves(c, ids);
        } catch (SQLException | RuntimeException e) {
            rollbackKeeping(c, e);
            e.addSuppressed(failure);
            throw e;
        }
    }

    /** The violation of an attempt after which the log holds no more of the batch's ids than before it. */
    private static SQLException unexplained(SQLException e) {
        if (DEADLOCK_DETECTED.equals(e.getSQLState())) {
            return e; // a lock cycle with DDL (partitions, retention), not a stored id: transient
        }
        // every id the log holds was read and left out: a row written around the log is the
        // store's inconsistency (a 500, logged), not a value of the request
        return new SQLException(
                "audit_events holds an event that audit_log does not: " + e.getMessage(), INTERNAL_ERROR, e);
    }

    /** One attempt: inserts the events the plan keeps and appends their leaves; does not commit. */
    private static InsertResult write(
            Connection c,
            List<AuditEvent> events,
            Map<UUID, byte[]> stored,
            Map<AuditEvent, byte[]> clientLeaves,
            String ingestedBy,
            Instant ingestedAt)
            throws SQLException {
        BatchPlan plan = BatchPlan.of(events, stored);
        List<AuditEvent> toInsert = plan.toInsert();
        if (toInsert.isEmpty()) {
            return new InsertResult(Set.of(), plan.conflicts(), ingestedAt);
        }
        int n = toInsert.size();
        Integer[] order = insertOrder(toInsert);
        List<AuditEvent> inKeyOrder = new ArrayList<>(n);
        for (Integer i : order) {
            inKeyOrder.add(toInsert.get(i));
        }
        long[] seqsInKeyOrder = insertEvents(c, inKeyOrder, ingestedBy, ingestedAt);
        long[] seqs = new long[n]; // toInsert's order, which the log keeps
        for (int k = 0; k < n; k++) {
            seqs[order[k]] = seqsInKeyOrder[k];
        }
        String[] logIds = new String[n];
        String[] dates = new String[n];
        byte[][] leaves = new byte[n][];
        byte[][] hashes = new byte[n][];
        Set<UUID> inserted = new HashSet<>(n * 2);
        // The leaves are finished before the log lock: the lock serializes every batch from the
        // append to the commit, so nothing that can run in parallel belongs inside it.
        for (int i = 0; i < n; i++) {
            AuditEvent e = toInsert.get(i);
            byte[] leaf = LeafEncoding.withIngestion(clientLeaves.get(e), ingestedAt, seqs[i], ingestedBy);
            logIds[i] = e.eventId().toString();
            dates[i] = EventSql.eventDate(e.eventTimestamp()).toString();
            leaves[i] = leaf;
            hashes[i] = LeafEncoding.leafHash(leaf);
            inserted.add(e.eventId());
        }
        try (PreparedStatement ps = c.prepareStatement(APPEND_LOG)) {
            // binary text[] and bytea[] (BinaryArray); createArrayOf would send an escaped text
            // literal (each leaf as twice its size in hex) for the server to parse.
            ps.setObject(1, BinaryArray.text(logIds));
            ps.setObject(2, BinaryArray.text(dates));
            ps.setObject(3, BinaryArray.bytea(leaves));
            ps.setObject(4, BinaryArray.bytea(hashes));
            lockLog(c);
            ps.executeUpdate();
        }
        return new InsertResult(inserted, plan.conflicts(), ingestedAt);
    }

    /**
     * The order a batch writes its events in: by the primary key of {@code audit_events}, (the UTC
     * day, the id), as indexes into {@code events}. Every batch takes the keys it shares with
     * another in this one order, so two batches wait on each other in one direction only. The day
     * comes first because {@code COPY} writes a batch partition by partition, in the order it first
     * meets them: in day order, the month partitions come in that order too.
     */
    static Integer[] insertOrder(List<AuditEvent> events) {
        Integer[] order = new Integer[events.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Comparator<Integer> byDay = Comparator.comparingLong(
                i -> EventSql.eventEpochDay(events.get(i).eventTimestamp()));
        Arrays.sort(order, byDay.thenComparing(i -> events.get(i).eventId(), PG_UUID_ORDER));
        return order;
    }

    private static void lockLog(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(LOCK_LOG)) {
            ps.execute();
        }
    }

    /** The log's leaf of each of {@code ids} it holds. */
    private static Map<UUID, byte[]> storedLeaves(Connection c, List<UUID> ids) throws SQLException {
        Map<UUID, byte[]> leaves = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(STORED_LEAVES)) {
            ps.setObject(1, BinaryArray.text(ids.stream().map(UUID::toString).toArray(String[]::new)));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    leaves.put(rs.getObject(1, UUID.class), rs.getBytes(2));
                }
            }
        }
        return leaves;
    }

    /**
     * Inserts the events without the log: the store's own insert, without the leaves, the log lock
     * and the append. Only for the benchmark that measures the log against this insert.
     *
     * @return how many events were stored
     */
    static int insertWithoutLog(Connection c, List<AuditEvent> events, String ingestedBy, Instant ingestedAt)
            throws SQLException {
        return insertEvents(c, events, ingestedBy, ingestedAt).length;
    }

    /**
     * Inserts the events with one binary {@link EventCopy COPY}; returns the {@code ingest_seq} of
     * each, in {@code events}' order.
     */
    private static long[] insertEvents(Connection c, List<AuditEvent> events, String ingestedBy, Instant ingestedAt)
            throws SQLException {
        long[] seqs = EventCopy.takeSeqs(c, events.size());
        EventCopy.copy(c, events, seqs, ingestedBy, ingestedAt);
        return seqs;
    }
}
