package dev.auditline.datastorage;

import dev.auditline.datastorage.config.StorageSettings;
import java.nio.file.Path;

/** The HTTP API over the embedded SQLite store, in a temporary directory. */
class SqliteDataStorageIT extends DataStorageApiContract {
    @Override
    StorageSettings storage(Path dir) {
        return StorageSettings.DEFAULT.withUrl("sqlite:" + dir.resolve("audit.db"));
    }
}
