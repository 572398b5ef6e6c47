package dev.auditline.datastorage;

import dev.auditline.datastorage.config.StorageSettings;
import java.nio.file.Path;

/** The Kubernetes audit webhook over the embedded SQLite store (the default). */
class SqliteKubernetesWebhookIT extends KubernetesWebhookContract {
    @Override
    StorageSettings storage(Path dir) {
        return StorageSettings.DEFAULT.withUrl("sqlite:" + dir.resolve("audit.db"));
    }
}
