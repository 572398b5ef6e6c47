package dev.auditline.datastorage;

import dev.auditline.datastorage.config.DataStorageConfig;
import java.nio.file.Path;

/** Hostile queries over the embedded SQLite store. */
class SqliteHostileQueryIT extends HostileQueryContract {
    @Override
    DataStorageConfig.Storage storage(Path dir) {
        return DataStorageConfig.Storage.DEFAULT.withUrl("sqlite:" + dir.resolve("audit.db"));
    }
}
