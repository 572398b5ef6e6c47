package dev.auditline.datastorage.log;

import dev.auditline.datastorage.config.DataStorageConfig;
import java.nio.file.Path;

/** The verifiable log's routes on the embedded SQLite store. */
class SqliteLogApiIT extends LogApiContract {
    @Override
    DataStorageConfig.Storage storage(Path dir) {
        return DataStorageConfig.Storage.DEFAULT.withUrl("sqlite:" + dir.resolve("audit.db"));
    }
}
