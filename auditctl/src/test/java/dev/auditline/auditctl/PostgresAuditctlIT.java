package dev.auditline.auditctl;

import dev.auditline.datastorage.config.StorageSettings;
import dev.auditline.datastorage.store.TestPostgres;
import java.nio.file.Path;

/** auditctl against DataStorage on PostgreSQL (embedded, or the server AUDIT_TEST_PG_URL names). */
class PostgresAuditctlIT extends AuditctlContract {
    private TestPostgres postgres;

    @Override
    StorageSettings storage(Path dir) {
        postgres = TestPostgres.shared();
        TestPostgres.Database db = postgres.createDatabase();
        return StorageSettings.DEFAULT.withUrl(db.jdbcUrl()).withCredentials(db.user(), db.password());
    }
}
