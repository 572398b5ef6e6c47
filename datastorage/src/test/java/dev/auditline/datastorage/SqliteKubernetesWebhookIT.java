package dev.auditline.datastorage;

import dev.auditline.datastorage.config.DataStorageConfig;
import java.nio.file.Path;

/** The Kubernetes audit webhook over the embedded SQLite store (the default). */
class SqliteKubernetesWebhookIT extends KubernetesWebhookContract {
    @Override
    DataStorageConfig.Storage storage(Path dir) {
        return DataStorageConfig.Storage.DEFAULT.withUrl("sqlite:" + dir.resolve("audit.db"));
    }
}
