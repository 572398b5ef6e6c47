package dev.auditline.datastorage.log;

import dev.auditline.datastorage.config.StorageSettings;
import dev.auditline.datastorage.store.TestPostgres;
import java.nio.file.Path;

/** The verifiable log's routes on PostgreSQL (one database per test). */
class PostgresLogApiIT extends LogApiContract {
    private StorageSettings store;

    @Override
    StorageSettings storage(Path dir) {
        if (store == null) {
            TestPostgres.Database db = TestPostgres.shared().createDatabase();
            store = StorageSettings.DEFAULT.withUrl(db.jdbcUrl()).withCredentials(db.user(), db.password());
        }
        return store;
    }
}
