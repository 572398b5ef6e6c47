package dev.auditline.datastorage;

import dev.auditline.datastorage.config.StorageSettings;
import dev.auditline.datastorage.store.TestPostgres;
import java.nio.file.Path;

/** Hostile queries over PostgreSQL (embedded, or the server named by {@code AUDIT_TEST_PG_URL}). */
class PostgresHostileQueryIT extends HostileQueryContract {
    @Override
    StorageSettings storage(Path dir) {
        TestPostgres.Database db = TestPostgres.shared().createDatabase();
        return StorageSettings.DEFAULT.withUrl(db.jdbcUrl()).withCredentials(db.user(), db.password());
    }
}
