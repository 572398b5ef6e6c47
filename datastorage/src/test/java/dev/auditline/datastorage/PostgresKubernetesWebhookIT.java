package dev.auditline.datastorage;

import dev.auditline.datastorage.config.StorageSettings;
import dev.auditline.datastorage.store.TestPostgres;
import java.nio.file.Path;

/** The Kubernetes audit webhook over PostgreSQL (embedded, or {@code AUDIT_TEST_PG_URL}). */
class PostgresKubernetesWebhookIT extends KubernetesWebhookContract {
    private TestPostgres postgres;
    private boolean ownServer;

    @Override
    StorageSettings storage(Path dir) {
        String external = System.getenv(TestPostgres.URL_ENV);
        ownServer = external == null || external.isBlank();
        postgres = ownServer ? TestPostgres.startEmbedded() : TestPostgres.shared();
        TestPostgres.Database db = postgres.createDatabase();
        return StorageSettings.DEFAULT.withUrl(db.jdbcUrl()).withCredentials(db.user(), db.password());
    }

    @Override
    void afterServerStopped() {
        if (ownServer && postgres != null) {
            postgres.close();
        }
    }
}
