package dev.auditline.datastorage.log;

import dev.auditline.datastorage.config.StorageSettings;
import java.nio.file.Path;

/** The verifiable log's routes on the embedded SQLite store. */
class SqliteLogApiIT extends LogApiContract {
    @Override
    StorageSettings storage(Path dir) {
        return StorageSettings.DEFAULT.withUrl("sqlite:" + dir.resolve("audit.db"));
    }
}
