package dev.auditline.datastorage.log;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.auditline.api.merkle.CompactRange;
import dev.auditline.api.merkle.NodeId;
import dev.auditline.datastorage.store.StorageConfig;
import dev.auditline.datastorage.store.StorageUnavailableException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * {@link TreeStore} over JDBC, the same SQL on PostgreSQL and SQLite (V20 and V80 migrations of
 * each); the tree is stored as strips ({@link TreeStrips}). It has
 * its own two-connection pool: the tree grows in the background and must never take a connection
 * an ingest request is waiting for. On SQLite its writes wait for the event writer through the
 * busy timeout; they are short (one page of nodes per transaction).
 */
final class JdbcTreeStore implements TreeStore {
    private static final int POOL_SIZE = 2;

    private final HikariDataSource pool;
    private final boolean sqlite;

    JdbcTreeStore(HikariDataSource pool, boolean sqlite) {
        this.pool = pool;
        this.sqlite = sqlite;
    }

    /** Opens a small pool on the (already migrated) store of {@code config}. */
    static JdbcTreeStore open(StorageConfig config) {
        HikariConfig hikari = new HikariConfig();
        hikari.setPoolName("auditline-log");
        hikari.setMaximumPoolSize(POOL_SIZE);
        hikari.setConnectionTimeout(Math.max(250, config.connectionTimeout().toMillis()));
        boolean sqlite = config.kind() == StorageConfig.Kind.SQLITE;
        if (sqlite) {
            SQLiteConfig settings = new SQLiteConfig();
            settings.setJournalMode(SQLiteConfig.JournalMode.WAL);
            settings.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
            settings.setBusyTimeout(10_000);
            SQLiteDataSource files = new SQLiteDataSource(settings);
            files.setUrl(config.jdbcUrl());
            hikari.setDataSource(files);
        } else {
            hikari.setJdbcUrl(config.url());
            if (config.username() != null) {
                hikari.setUsername(config.username());
            }
            if (config.password() != null) {
                hikari.setPassword(config.password());
            }
            hikari.addDataSourceProperty("ApplicationName", "auditline-datastorage-log");
        }
        try {
            return new JdbcTreeStore(new HikariDataSource(hikari), sqlite);
        } catch (RuntimeException e) {
            throw new StorageUnavailableException("verifiable log: cannot open its connections: " + e.getMessage(), e);
        }
    }

    @Override
    public List<byte[]> leafHashes(long from, int max) {
        List<byte[]> out = new ArrayList<>();
        try (Connection c = pool.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT log_index, leaf_hash FROM audit_log"
                        + " WHERE log_index >= ? AND log_index < ? ORDER BY log_index")) {
            ps.setLong(1, from);
            ps.setLong(2, from + max);
            try (ResultSet rs = ps.executeQuery()) {
                long expected = from;
                while (rs.next()) {
                    if (rs.getLong(1) != expected) {
                        break; // a gap: the tree only ever grows over a contiguous prefix
                    }
                    out.add(rs.getBytes(2));
                    expected++;
                }
            }
            return out;
        } catch (SQLException e) {
            throw unavailable("read leaf hashes from " + from, e);
        }
    }

    /**
     * Reads the strips under {@code ids} ({@link TreeStrips#spans}: one range scan of the primary
     * key per merged span) and computes each node from them.
     */
    @Override
    public Map<NodeId, byte[]> nodes(Collection<NodeId> ids) {
        TreeStrips.Known known = new TreeStrips.Known();
        try (Connection c = pool.getConnection()) {
            for (TreeStrips.Span span : TreeStrips.spans(ids)) {
                readStrips(c, span, known);
            }
        } catch (SQLException e) {
            throw unavailable("read " + ids.size() + " tree nodes", e);
        }
        return TreeStrips.resolve(ids, known);
    }

    /** Adds every strip that holds a node of {@code span} to {@code known}. */
    private static void readStrips(Connection c, TreeStrips.Span span, TreeStrips.Known known) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT node_index, hashes FROM log_tree_strip"
                + " WHERE level = ? AND node_index > ? AND node_index < ? ORDER BY node_index, node_count")) {
            ps.setInt(1, span.level());
            ps.setLong(2, span.from() - TreeStrips.TILE_WIDTH); // a strip starts in the tile it covers
            ps.setLong(3, span.to());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    known.add(new TreeStrips.Strip(span.level(), rs.getLong(1), rs.getBytes(2)));
                }
            }
        }
    }

    /**
     * PostgreSQL: every strip of a round in one {@code INSERT … SELECT FROM unnest(arrays)}; a
     * round that grows the tree by a few thousand leaves writes a strip per 256 of them and a few
     * more for the upper levels.
     */
    private static void insertAsArrays(Connection c, List<TreeStrips.Strip> strips) throws SQLException {
        int n = strips.size();
        int[] levels = new int[n];
        long[] indexes = new long[n];
        int[] counts = new int[n];
        byte[][] hashes = new byte[n][];
        for (int i = 0; i < n; i++) {
            TreeStrips.Strip strip = strips.get(i);
            levels[i] = strip.level();
            indexes[i] = strip.index();
            counts[i] = strip.count();
            hashes[i] = strip.hashes();
        }
        try (PreparedStatement ps =
                c.prepareStatement("INSERT INTO log_tree_strip (level, node_index, node_count, hashes)"
                        + " SELECT u.level::smallint, u.node_index, u.node_count::smallint, u.hashes"
                        + " FROM unnest(?::int4[], ?::int8[], ?::int4[], ?::bytea[]) AS u(level, node_index, node_count, hashes)"
                        + " ON CONFLICT DO NOTHING")) {
            // primitive arrays and byte[][] travel as binary int4[], int8[] and bytea[]
            ps.setObject(1, levels);
            ps.setObject(2, indexes);
            ps.setObject(3, counts);
            ps.setObject(4, hashes);
            ps.executeUpdate();
        }
    }

    /** SQLite has no arrays: one prepared row per strip, in one transaction under its writer lock. */
    private static void insertRowByRow(Connection c, List<TreeStrips.Strip> strips) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("INSERT INTO log_tree_strip (level, node_index, node_count, hashes)"
                        + " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
            for (TreeStrips.Strip strip : strips) {
                ps.setInt(1, strip.level());
                ps.setLong(2, strip.index());
                ps.setInt(3, strip.count());
                ps.setBytes(4, strip.hashes());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** Stores the nodes of the stored levels as strips ({@link TreeStrips#of}); the others are computed on read. */
    @Override
    public void addNodes(List<CompactRange.Node> nodes) {
        List<TreeStrips.Strip> strips = TreeStrips.of(nodes);
        if (strips.isEmpty()) {
            return;
        }
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try {
                if (sqlite) {
                    insertRowByRow(c, strips);
                } else {
                    insertAsArrays(c, strips);
                }
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw unavailable("store " + strips.size() + " tree strips", e);
        }
    }

    @Override
    public void addCheckpoint(StoredCheckpoint cp) {
        update(
                "store the checkpoint of size " + cp.treeSize(),
                "INSERT INTO log_checkpoint (tree_size, key_id, root_hash, note, published_at) VALUES (?, ?, ?, ?, ?)"
                        + " ON CONFLICT DO NOTHING",
                cp.treeSize(),
                cp.keyId(),
                cp.rootHash(),
                cp.note(),
                micros(cp.publishedAt()));
    }

    @Override
    public Optional<StoredCheckpoint> latestCheckpoint() {
        try (Connection c = pool.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("SELECT tree_size, key_id, root_hash, note, published_at FROM log_checkpoint"
                                + " ORDER BY tree_size DESC, published_at DESC LIMIT 1");
                ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                return Optional.empty();
            }
            return Optional.of(new StoredCheckpoint(
                    rs.getLong(1), rs.getString(2), rs.getBytes(3), rs.getString(4), instant(rs.getLong(5))));
        } catch (SQLException e) {
            throw unavailable("read the latest checkpoint", e);
        }
    }

    @Override
    public void addRetentionRecord(RetentionRecord r) {
        update(
                "store the retention record of " + r.month(),
                "INSERT INTO log_retention_record (month, key_id, entries, note, recorded_at) VALUES (?, ?, ?, ?, ?)"
                        + " ON CONFLICT DO NOTHING",
                r.month(),
                r.keyId(),
                r.entries(),
                r.note(),
                micros(r.recordedAt()));
    }

    @Override
    public List<RetentionRecord> retentionRecords() {
        List<RetentionRecord> out = new ArrayList<>();
        try (Connection c = pool.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT month, key_id, entries, note, recorded_at FROM log_retention_record ORDER BY month");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new RetentionRecord(
                        rs.getString(1), rs.getString(2), rs.getLong(3), rs.getString(4), instant(rs.getLong(5))));
            }
            return out;
        } catch (SQLException e) {
            throw unavailable("read the retention records", e);
        }
    }

    @Override
    public Map<String, Long> entriesPerMonth(Collection<String> months) {
        Map<String, Long> out = new TreeMap<>();
        try (Connection c = pool.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("SELECT count(*) FROM audit_log WHERE event_date >= ? AND event_date < ?")) {
            for (String month : months) {
                YearMonth ym = YearMonth.parse(month);
                setDate(ps, 1, ym.atDay(1));
                setDate(ps, 2, ym.plusMonths(1).atDay(1));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    out.put(month, rs.getLong(1));
                }
            }
            return out;
        } catch (SQLException e) {
            throw unavailable("count log entries per month", e);
        }
    }

    @Override
    public java.util.OptionalLong logIndexOf(java.util.UUID eventId) {
        try (Connection c = pool.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT log_index FROM audit_log WHERE event_id = ?")) {
            if (sqlite) {
                ps.setString(1, eventId.toString());
            } else {
                ps.setObject(1, eventId);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? java.util.OptionalLong.of(rs.getLong(1)) : java.util.OptionalLong.empty();
            }
        } catch (SQLException e) {
            throw unavailable("find the log index of " + eventId, e);
        }
    }

    @Override
    public List<LogLeafRow> leaves(long from, int max) {
        Map<Long, LogLeafRow> rows = new LinkedHashMap<>();
        TreeStrips.Known tree = new TreeStrips.Known();
        try (Connection c = pool.getConnection()) {
            try (PreparedStatement ps =
                    c.prepareStatement("SELECT log_index, event_id, event_date, leaf, leaf_hash FROM audit_log"
                            + " WHERE log_index >= ? AND log_index < ? ORDER BY log_index")) {
                ps.setLong(1, from);
                ps.setLong(2, from + max);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows.put(
                                rs.getLong(1),
                                new LogLeafRow(
                                        rs.getLong(1),
                                        rs.getString(2),
                                        rs.getString(3),
                                        rs.getBytes(4),
                                        rs.getBytes(5),
                                        null));
                    }
                }
            }
            readStrips(c, new TreeStrips.Span(0, from, from + max), tree);
        } catch (SQLException e) {
            throw unavailable("read log leaves from " + from, e);
        }
        List<LogLeafRow> out = new ArrayList<>();
        for (long i = from; i < from + max; i++) {
            LogLeafRow row = rows.get(i);
            byte[] treeHash = tree.stored(0, i);
            if (row == null && treeHash == null) {
                continue;
            }
            out.add(
                    row == null
                            ? new LogLeafRow(i, null, null, null, null, treeHash)
                            : new LogLeafRow(i, row.eventId(), row.eventDate(), row.leaf(), row.leafHash(), treeHash));
        }
        return out;
    }

    private void setDate(PreparedStatement ps, int index, LocalDate date) throws SQLException {
        if (sqlite) {
            ps.setString(index, date.toString());
        } else {
            ps.setObject(index, date);
        }
    }

    private void update(String what, String sql, Object... params) {
        try (Connection c = pool.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            ps.executeUpdate();
        } catch (SQLException e) {
            throw unavailable(what, e);
        }
    }

    private static long micros(Instant instant) {
        return ChronoUnit.MICROS.between(Instant.EPOCH, instant);
    }

    private static Instant instant(long micros) {
        return Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
    }

    private static StorageUnavailableException unavailable(String what, SQLException e) {
        return new StorageUnavailableException("verifiable log: cannot " + what + ": " + e.getMessage(), e);
    }

    @Override
    public void close() {
        pool.close();
    }
}
