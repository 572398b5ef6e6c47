package dev.auditline.auditctl;

import dev.auditline.datastorage.config.DataStorageConfig;
import java.nio.file.Path;

/** auditctl against DataStorage on its embedded default, SQLite. */
class SqliteAuditctlIT extends AuditctlContract {
    @Override
    DataStorageConfig.Storage storage(Path dir) {
        return DataStorageConfig.Storage.DEFAULT.withUrl("sqlite:" + dir.resolve("audit.db"));
    }
}
