package dev.auditline.datastorage;

import dev.auditline.datastorage.config.DataStorageConfig;
import java.nio.file.Path;

/** The HTTP API over the embedded SQLite store, in a temporary directory. */
class SqliteDataStorageIT extends DataStorageApiContract {
    @Override
    DataStorageConfig.Storage storage(Path dir) {
        return DataStorageConfig.Storage.DEFAULT.withUrl("sqlite:" + dir.resolve("audit.db"));
    }
}
