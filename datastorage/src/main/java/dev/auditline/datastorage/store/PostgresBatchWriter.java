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
 * The statements of one PostgreSQL batch transaction, in order: claim the batch's ids in
 * {@code audit_event_ids} (in id order; a batch that sends an id another uncommitted batch has
 * claimed waits for it there, then sees it as stored), look up the log's leaves of the ids claimed
 * before, insert the events the {@link BatchPlan} keeps, then take {@link #LOG_LOCK_KEY} and append
 * their leaves after the log's last index. The lock is held only from the append to the commit, so
 * log indexes follow commit order without a gap while the inserts of concurrent batches still run
 * in parallel.
 *
 * <p>The events go in one {@code INSERT … SELECT FROM unnest(arrays) RETURNING event_id,
 * ingest_seq}. {@code unnest} was chosen over a multi-row {@code VALUES} list and over {@code COPY}
 * into a staging table by measurement (docs/storage.md): it is as fast as the fastest, and its 26
 * parameters do not grow with the batch, so no batch size ever hits the protocol's 65535-parameter
 * limit.
 */
final class PostgresBatchWriter {
    /**
     * The insert of a batch whose ids this transaction has claimed: no {@code ON CONFLICT}. The
     * claim in {@code audit_event_ids} is the store's one unique check; an arbiter here would probe
     * the primary key of every row again and write a speculative insertion per row (PostgreSQL's
     * {@code ON CONFLICT} path) for a conflict that cannot happen. A row written around the claim
     * fails the batch with a unique violation instead of being skipped.
     */
    private static final String INSERT_CLAIMED = buildInsert(false);

    /** The same insert as it ran before ids were claimed: skips an id already stored that day. */
    private static final String INSERT_UNCLAIMED = buildInsert(true);

    /** Serializes appends to audit_log, so log indexes follow commit order. */
    static final long LOG_LOCK_KEY = 0x6175646974_6c6f67L;

    /** PostgreSQL's uuid order: the 16 bytes unsigned, as the canonical text sorts. */
    static final Comparator<UUID> PG_UUID_ORDER = (a, b) -> {
        int high = Long.compareUnsigned(a.getMostSignificantBits(), b.getMostSignificantBits());
        return high != 0 ? high : Long.compareUnsigned(a.getLeastSignificantBits(), b.getLeastSignificantBits());
    };

    private static final String CLAIM_IDS = "INSERT INTO audit_event_ids (event_id)"
            + " SELECT u.id FROM unnest(?::text[]::uuid[]) WITH ORDINALITY AS u(id, ord) ORDER BY u.ord"
            + " ON CONFLICT DO NOTHING RETURNING event_id";

    private static final String STORED_LEAVES =
            "SELECT event_id, leaf FROM audit_log WHERE event_id = ANY(?::text[]::uuid[])";

    private static final String APPEND_LOG = "INSERT INTO audit_log (log_index, event_id, event_date, leaf, leaf_hash)"
            + " SELECT (SELECT coalesce(max(log_index) + 1, 0) FROM audit_log) + u.ord - 1,"
            + " u.event_id, u.event_date, u.leaf, u.leaf_hash"
            + " FROM unnest(?::text[]::uuid[], ?::text[]::date[], ?::bytea[], ?::bytea[])"
            + " WITH ORDINALITY AS u(event_id, event_date, leaf, leaf_hash, ord)";

    private static final String LOCK_LOG = "SELECT pg_advisory_xact_lock(" + LOG_LOCK_KEY + ")";

    private static final String UNIQUE_VIOLATION = "23505";

    /** SQLState of an internal inconsistency: a fault of the store ({@code 500}), not the request's. */
    private static final String INTERNAL_ERROR = "XX000";

    private PostgresBatchWriter() {}

    /**
     * The leaves of {@code events} with placeholder ingestion values (see {@link
     * LeafEncoding#withIngestion}), by event object: the 24 client digests and the canonical
     * {@code event_data}, most of a leaf's work, done before the batch takes a pool connection.
     */
    static Map<AuditEvent, byte[]> clientLeaves(List<AuditEvent> events, String ingestedBy) {
        Map<AuditEvent, byte[]> leaves = new IdentityHashMap<>(events.size() * 2);
        for (AuditEvent e : events) {
            leaves.put(e, LeafEncoding.encode(e.withIngestion(Instant.EPOCH, 0, ingestedBy)));
        }
        return leaves;
    }

    /**
     * Runs the batch on {@code c}, inside the caller's transaction, which commits on return.
     *
     * @param clientLeaves {@link #clientLeaves} of {@code events}
     */
    static InsertResult write(
            Connection c,
            List<AuditEvent> events,
            Map<AuditEvent, byte[]> clientLeaves,
            String ingestedBy,
            Instant ingestedAt)
            throws SQLException {
        List<UUID> ids = BatchPlan.distinctIds(events);
        Set<UUID> claimed = claim(c, ids);
        List<UUID> known = ids.stream().filter(id -> !claimed.contains(id)).toList();
        BatchPlan plan = BatchPlan.of(events, known.isEmpty() ? Map.of() : storedLeaves(c, known));
        List<AuditEvent> toInsert = plan.toInsert();
        if (toInsert.isEmpty()) {
            return new InsertResult(Set.of(), plan.conflicts(), ingestedAt);
        }
        Map<UUID, Long> seqs;
        try {
            seqs = insertEvents(c, toInsert, ingestedBy, ingestedAt, INSERT_CLAIMED);
        } catch (SQLException e) {
            if (UNIQUE_VIOLATION.equals(e.getSQLState())) {
                // the claim said these ids are new: a row written around it is the store's
                // inconsistency (a 500, logged), not a value of the request
                throw new SQLException(
                        "audit_events holds an event that audit_event_ids does not: " + e.getMessage(),
                        INTERNAL_ERROR,
                        e);
            }
            throw e;
        }
        if (seqs.size() != toInsert.size() || !claimed.containsAll(seqs.keySet())) {
            // an event row without its claim: written around this class, not by a batch
            throw new SQLException(
                    "audit_events holds an event that audit_event_ids does not: "
                            + toInsert.stream()
                                    .map(AuditEvent::eventId)
                                    .filter(id -> !seqs.containsKey(id))
                                    .findFirst()
                                    .orElse(null),
                    INTERNAL_ERROR);
        }
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
            // literal (each 865-byte leaf as 1.7 KB of hex) for the server to parse.
            ps.setObject(1, BinaryArray.text(logIds));
            ps.setObject(2, BinaryArray.text(dates));
            ps.setObject(3, BinaryArray.bytea(leaves));
            ps.setObject(4, BinaryArray.bytea(hashes));
            lockLog(c);
            ps.executeUpdate();
        }
        return new InsertResult(seqs.keySet(), plan.conflicts(), ingestedAt);
    }

    /**
     * Claims the ids no committed batch has stored; returns those claimed now. Ids go in order, so
     * two batches waiting for each other's claims always wait in the same direction.
     */
    private static Set<UUID> claim(Connection c, List<UUID> ids) throws SQLException {
        UUID[] sorted = ids.toArray(new UUID[0]);
        Arrays.sort(sorted, PG_UUID_ORDER);
        String[] texts = new String[sorted.length];
        for (int i = 0; i < sorted.length; i++) {
            texts[i] = sorted[i].toString();
        }
        Set<UUID> claimed = new HashSet<>(sorted.length * 2);
        try (PreparedStatement ps = c.prepareStatement(CLAIM_IDS)) {
            ps.setObject(1, BinaryArray.text(texts));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    claimed.add(rs.getObject(1, UUID.class));
                }
            }
        }
        return claimed;
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
            ps.setObject(1, ids.stream().map(UUID::toString).toArray(String[]::new));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    leaves.put(rs.getObject(1, UUID.class), rs.getBytes(2));
                }
            }
        }
        return leaves;
    }

    /**
     * Inserts the events without the id claim and the log, as the store did before it had them
     * ({@code ON CONFLICT DO NOTHING} on the day's primary key); returns each stored one's {@code
     * ingest_seq}. Only for the benchmark that measures the claim and the log against this insert.
     */
    static Map<UUID, Long> insertUnclaimed(Connection c, List<AuditEvent> events, String ingestedBy, Instant ingestedAt)
            throws SQLException {
        return insertEvents(c, events, ingestedBy, ingestedAt, INSERT_UNCLAIMED);
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
