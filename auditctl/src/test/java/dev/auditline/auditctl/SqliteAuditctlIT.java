package dev.auditline.auditctl;

import dev.auditline.datastorage.config.StorageSettings;
import java.nio.file.Path;

/** auditctl against DataStorage on its embedded default, SQLite. */
class SqliteAuditctlIT extends AuditctlContract {
    @Override
    StorageSettings storage(Path dir) {
        return StorageSettings.DEFAULT.withUrl("sqlite:" + dir.resolve("audit.db"));
    }
}
