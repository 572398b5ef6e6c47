package dev.auditline.datastorage;

import dev.auditline.datastorage.config.StorageSettings;
import java.nio.file.Path;

/** Hostile queries over the embedded SQLite store. */
class SqliteHostileQueryIT extends HostileQueryContract {
    @Override
    StorageSettings storage(Path dir) {
        return StorageSettings.DEFAULT.withUrl("sqlite:" + dir.resolve("audit.db"));
    }
}
