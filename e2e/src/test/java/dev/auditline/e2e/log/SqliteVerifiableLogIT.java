package dev.auditline.e2e.log;

import dev.auditline.datastorage.config.StorageSettings;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import org.sqlite.SQLiteConfig;

/**
 * The verifiable-log scenarios on the embedded default, SQLite. The owner here is whoever can
 * write the file: they drop the append-only triggers. SQLite has no partitions, so "a truncated or
 * detached partition" is covered on PostgreSQL only.
 */
class SqliteVerifiableLogIT extends VerifiableLogContract {

    private String url() {
        return "sqlite:" + dir.resolve("data/audit.db");
    }

    @Override
    StorageSettings newStore() {
        return StorageSettings.DEFAULT.withUrl(url());
    }

    @Override
    Connection owner() throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setBusyTimeout(10_000);
        return config.createConnection("jdbc:" + url());
    }

    @Override
    List<String> unguard(String table) {
        return List.of(
                "DROP TRIGGER IF EXISTS " + table + "_no_update", "DROP TRIGGER IF EXISTS " + table + "_no_delete");
    }

    @Override
    void setId(PreparedStatement ps, int index, UUID id) throws SQLException {
        ps.setString(index, id.toString());
    }

    @Override
    void insertCopy(Connection c, UUID of, UUID as) throws SQLException {
        exec(
                c,
                List.of(
                        "CREATE TEMP TABLE copied AS SELECT * FROM audit_events WHERE event_id = '" + of + "'",
                        "UPDATE copied SET event_id = '" + as + "', ingest_seq = NULL",
                        "INSERT INTO audit_events SELECT * FROM copied",
                        "DROP TABLE copied"));
    }
}
