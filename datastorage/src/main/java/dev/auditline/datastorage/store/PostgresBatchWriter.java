package dev.auditline.datastorage.store;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.json.AuditJson;
import dev.auditline.api.log.LeafEncoding;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The statements of one PostgreSQL batch transaction, and the rule that keeps each event id unique
 * across the store. {@code audit_log.event_id} ({@code UNIQUE}) is the one unique check: a batch
 * inserts its events (no {@code ON CONFLICT}, in id order), then takes {@link #LOG_LOCK_KEY} and
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
 * batch committed, and a batch retries at most once per id it shares. A violation that no stored
 * id explains (a row in {@code audit_events} without its leaf, written around this class) fails
 * the batch as the store's fault ({@code XX000}, a {@code 500}). Inserting in id order means two batches that send the same
 * new ids wait for each other in one direction only, never in a deadlock.
 *
 * <p>The events go in one {@code INSERT … SELECT FROM unnest(arrays) RETURNING event_id,
 * ingest_seq}. {@code unnest} was chosen over a multi-row {@code VALUES} list and over {@code COPY}
 * into a staging table by measurement (docs/storage.md): it is as fast as the fastest, and its 26
 * parameters do not grow with the batch, so no batch size ever hits the protocol's 65535-parameter
 * limit.
 */
final class PostgresBatchWriter {
    /**
     * The insert of a batch: no {@code ON CONFLICT}. An arbiter would write a speculative insertion
     * per row (PostgreSQL's {@code ON CONFLICT} path) for a conflict that is rare; a stored id fails
     * the statement instead, and the batch runs again knowing it.
     */
    private static final String INSERT = buildInsert(false);

    /** The same insert with {@code ON CONFLICT DO NOTHING}: skips an id already stored that day. */
    private static final String INSERT_SKIPPING = buildInsert(true);

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
                if (nowStored.size() <= stored.size()) {
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
        List<AuditEvent> inIdOrder = new ArrayList<>(toInsert);
        inIdOrder.sort(Comparator.comparing(AuditEvent::eventId, PG_UUID_ORDER));
        Map<UUID, Long> seqs = insertEvents(c, inIdOrder, ingestedBy, ingestedAt, INSERT);
        int n = toInsert.size();
        String[] logIds = new String[n];
        String[] dates = new String[n];
        byte[][] leaves = new byte[n][];
        byte[][] hashes = new byte[n][];
        // The leaves are finished before the log lock: the lock serializes every batch from the
        // append to the commit, so nothing that can run in parallel belongs inside it.
        for (int i = 0; i < n; i++) {
            AuditEvent e = toInsert.get(i);
            byte[] leaf =
                    LeafEncoding.withIngestion(clientLeaves.get(e), ingestedAt, seqs.get(e.eventId()), ingestedBy);
            logIds[i] = e.eventId().toString();
            dates[i] = EventSql.eventDate(e.eventTimestamp()).toString();
            leaves[i] = leaf;
            hashes[i] = LeafEncoding.leafHash(leaf);
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
        return new InsertResult(seqs.keySet(), plan.conflicts(), ingestedAt);
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
     * Inserts the events without the log, as the store did before it had one ({@code ON CONFLICT
     * DO NOTHING} on the day's primary key); returns each stored one's {@code ingest_seq}. Only for
     * the benchmark that measures the log and whole-store unique ids against this insert.
     */
    static Map<UUID, Long> insertWithoutLog(
            Connection c, List<AuditEvent> events, String ingestedBy, Instant ingestedAt) throws SQLException {
        return insertEvents(c, events, ingestedBy, ingestedAt, INSERT_SKIPPING);
    }

    /** Inserts the events with {@code insert}; returns each one's {@code ingest_seq}. */
    private static Map<UUID, Long> insertEvents(
            Connection c, List<AuditEvent> events, String ingestedBy, Instant ingestedAt, String insert)
            throws SQLException {
        int columns = EventSql.EVENT_COLUMNS.size();
        int n = events.size();
        String[] dates = new String[n];
        String[][] values = new String[columns][n];
        for (int row = 0; row < n; row++) {
            AuditEvent e = events.get(row);
            dates[row] = EventSql.eventDate(e.eventTimestamp()).toString();
            Object[] v = EventSql.eventValues(e, TEXT_DIALECT);
            for (int col = 0; col < columns; col++) {
                values[col][row] = v[col] == null ? null : v[col].toString();
            }
        }
        Map<UUID, Long> seqs = new HashMap<>(n * 2);
        try (PreparedStatement ps = c.prepareStatement(insert)) {
            ps.setObject(1, OffsetDateTime.ofInstant(ingestedAt, ZoneOffset.UTC));
            ps.setString(2, ingestedBy);
            // binary text[] (BinaryArray); createArrayOf builds an escaped array literal the server
            // has to parse again, measurably slower for 1 KB event_data.
            ps.setObject(3, BinaryArray.text(dates));
            for (int col = 0; col < columns; col++) {
                ps.setObject(4 + col, BinaryArray.text(values[col]));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    seqs.put(rs.getObject(1, UUID.class), rs.getLong(2));
                }
            }
        }
        return seqs;
    }

    /** Every column as the text PostgreSQL casts from: the arrays of the unnest insert are text[]. */
    private static final EventSql.Dialect TEXT_DIALECT = new EventSql.Dialect() {
        @Override
        public Object timestampParam(Instant instant) {
            return AuditJson.formatTimestamp(instant); // Instant.toString's formatter costs several times more
        }

        @Override
        public Instant timestamp(ResultSet rs, String column) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Object uuidParam(UUID id) {
            return id.toString();
        }

        @Override
        public UUID uuid(ResultSet rs, String column) {
            throw new UnsupportedOperationException();
        }
    };

    private static String buildInsert(boolean onConflictDoNothing) {
        List<String> columns = EventSql.EVENT_COLUMNS;
        StringBuilder sql = new StringBuilder("INSERT INTO audit_events (event_date, ")
                .append(String.join(", ", columns))
                .append(", ingested_at, ingested_by) SELECT u.event_date, ");
        for (String column : columns) {
            sql.append("u.").append(column).append(", ");
        }
        sql.append("?::timestamptz, ?::text FROM unnest(?::text[]::date[]");
        for (String column : columns) {
            String type = sqlType(column);
            sql.append(", ?::text[]").append(type.equals("text") ? "" : "::" + type + "[]");
        }
        sql.append(") AS u(event_date, ")
                .append(String.join(", ", columns))
                .append(onConflictDoNothing ? ") ON CONFLICT DO NOTHING" : ")")
                .append(" RETURNING event_id, ingest_seq");
        return sql.toString();
    }

    private static String sqlType(String column) {
        return switch (column) {
            case "event_id", "parent_event_id" -> "uuid";
            case "event_timestamp" -> "timestamptz";
            case "event_data" -> "jsonb";
            case "duration_ms" -> "bigint";
            default -> "text";
        };
    }
}
