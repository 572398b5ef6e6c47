package dev.auditline.auditctl;

import dev.auditline.datastorage.config.DataStorageConfig;
import dev.auditline.datastorage.store.TestPostgres;
import java.nio.file.Path;

/** auditctl against DataStorage on PostgreSQL (embedded, or the server AUDIT_TEST_PG_URL names). */
class PostgresAuditctlIT extends AuditctlContract {
    private TestPostgres postgres;

    @Override
    DataStorageConfig.Storage storage(Path dir) {
        postgres = TestPostgres.shared();
        TestPostgres.Database db = postgres.createDatabase();
        return DataStorageConfig.Storage.DEFAULT.withUrl(db.jdbcUrl()).withCredentials(db.user(), db.password());
    }
}
