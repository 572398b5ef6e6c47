package dev.auditline.datastorage.log;

import static org.assertj.core.api.Assertions.assertThat;

import dev.auditline.api.merkle.CompactRange;
import dev.auditline.api.merkle.NodeId;
import dev.auditline.datastorage.store.EventRepositories;
import dev.auditline.datastorage.store.PartialMigration;
import dev.auditline.datastorage.store.StorageConfig;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * The tree as {@link JdbcTreeStore} keeps it in a real database: every complete subtree written
 * round by round (some rounds redone) reads back with the hash it was written with, the tree's copy
 * of the leaf hashes serves the verify pages, and a store whose tree was stored as one row per node
 * (before strips) reads back the same after the upgrade. Run against both stores.
 */
abstract class TreeStoreContract {
    /** A new, empty database of this store, not migrated. */
    protected abstract StorageConfig newStore() throws Exception;

    /** A plain data source on {@code config}'s database, for the test's own SQL. */
    protected abstract DataSource dataSource(StorageConfig config);

    /** Whether this is the PostgreSQL store. */
    protected abstract boolean postgres();

    /** This store's last schema version before the tree was stored as strips. */
    protected abstract String versionBeforeStrips();

    @Test
    void everyNodeReadsBackThroughRoundsRedoneAfterFailures() throws Exception {
        StorageConfig config = newStore();
        EventRepositories.open(config, Clock.systemUTC()).close(); // migrates
        List<List<CompactRange.Node>> rounds = new ArrayList<>();
        Map<NodeId, byte[]> all = TreeStripsTest.grow(20_000, new Random(11), rounds);
        try (JdbcTreeStore store = JdbcTreeStore.open(config)) {
            for (int r = 0; r < rounds.size(); r++) {
                store.addNodes(rounds.get(r));
                if (r % 5 == 3 && r + 1 < rounds.size()) {
                    // stored, then redone with the next round's nodes (a restart from an older checkpoint)
                    List<CompactRange.Node> redo = new ArrayList<>(rounds.get(r));
                    redo.addAll(rounds.get(r + 1));
                    store.addNodes(redo);
                }
            }

            Map<NodeId, byte[]> read = store.nodes(all.keySet());

            assertThat(read.keySet()).isEqualTo(all.keySet());
            all.forEach((id, hash) -> assertThat(read.get(id)).as("%s", id).isEqualTo(hash));
            List<TreeStore.LogLeafRow> leaves = store.leaves(1_000, 600);
            assertThat(leaves).hasSize(600);
            for (TreeStore.LogLeafRow row : leaves) {
                assertThat(row.treeLeafHash()).isEqualTo(all.get(new NodeId(0, row.logIndex())));
            }
            assertThat(store.nodes(List.of(new NodeId(0, 20_000), new NodeId(3, 2_500))))
                    .as("nodes the tree has not reached")
                    .isEmpty();
        }
        try (Connection c = dataSource(config).getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*), sum(node_count) FROM log_tree_strip")) {
            rs.next();
            assertThat(rs.getLong(1))
                    .as("rows: about one per 256 leaves and a few per round")
                    .isLessThanOrEqualTo(20_000 / 256 + 1 + 3 * rounds.size() * 6 / 5);
            assertThat(rs.getLong(2)).isGreaterThanOrEqualTo(20_000 + 20_000 / 256);
        }
    }

    @Test
    void anUpgradedStoreReadsTheNodesItStoredOneRowEachBeforeStrips() throws Exception {
        StorageConfig config = newStore();
        DataSource ds = dataSource(config);
        PartialMigration.migrateTo(ds, postgres(), versionBeforeStrips());
        List<List<CompactRange.Node>> rounds = new ArrayList<>();
        Map<NodeId, byte[]> all = TreeStripsTest.grow(70_000, new Random(5), rounds);
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps =
                    c.prepareStatement("INSERT INTO log_tree_node (level, node_index, hash) VALUES (?, ?, ?)")) {
                for (Map.Entry<NodeId, byte[]> e : all.entrySet()) {
                    ps.setInt(1, e.getKey().level());
                    ps.setLong(2, e.getKey().index());
                    ps.setBytes(3, e.getValue());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            c.commit();
        }

        EventRepositories.open(config, Clock.systemUTC()).close(); // migrates the rest

        try (JdbcTreeStore store = JdbcTreeStore.open(config)) {
            Map<NodeId, byte[]> read = store.nodes(all.keySet());
            assertThat(read.keySet()).isEqualTo(all.keySet());
            all.forEach((id, hash) -> assertThat(read.get(id)).as("%s", id).isEqualTo(hash));
        }
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*), sum(node_count) FROM log_tree_strip")) {
            rs.next();
            assertThat(rs.getLong(1)).as("one strip per tile").isEqualTo(274 + 2 + 1);
            assertThat(rs.getLong(2)).isEqualTo(70_000 + 273 + 1);
        }
    }
}
