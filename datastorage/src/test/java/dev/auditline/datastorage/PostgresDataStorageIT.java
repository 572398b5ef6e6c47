package dev.auditline.datastorage;

import dev.auditline.datastorage.config.StorageSettings;
import dev.auditline.datastorage.store.TestPostgres;
import java.nio.file.Path;

/**
 * The HTTP API over PostgreSQL. With the embedded server (the default) the outage test really
 * stops and restarts PostgreSQL; against an external server named by {@code AUDIT_TEST_PG_URL},
 * which tests must not stop, it fakes the outage in front of the repository like the SQLite run.
 */
class PostgresDataStorageIT extends DataStorageApiContract {
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
    void storageDown() {
        if (ownServer) {
            postgres.stop();
        } else {
            super.storageDown();
        }
    }

    @Override
    void storageUp() {
        if (ownServer) {
            postgres.start();
        } else {
            super.storageUp();
        }
    }

    @Override
    void afterServerStopped() {
        if (ownServer && postgres != null) {
            postgres.close();
        }
    }
}
