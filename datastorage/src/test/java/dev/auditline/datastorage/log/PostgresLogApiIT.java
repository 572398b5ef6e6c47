package dev.auditline.datastorage.log;

import dev.auditline.datastorage.config.DataStorageConfig;
import dev.auditline.datastorage.store.TestPostgres;
import java.nio.file.Path;

/** The verifiable log's routes on PostgreSQL (one database per test). */
class PostgresLogApiIT extends LogApiContract {
    private DataStorageConfig.Storage store;

    @Override
    DataStorageConfig.Storage storage(Path dir) {
        if (store == null) {
            TestPostgres.Database db = TestPostgres.shared().createDatabase();
            store = DataStorageConfig.Storage.DEFAULT.withUrl(db.jdbcUrl()).withCredentials(db.user(), db.password());
        }
        return store;
    }
}
