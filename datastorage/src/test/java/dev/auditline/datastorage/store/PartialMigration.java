package dev.auditline.datastorage.store;

import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/** Migrates a store only up to a given schema version, Java migrations included: an older installation. */
public final class PartialMigration {
    private PartialMigration() {}

    /** Migrates {@code dataSource} to {@code version}, without the after-migrate grants. */
    public static void migrateTo(DataSource dataSource, boolean postgres, String version) {
        Flyway.configure()
                .dataSource(dataSource)
                .locations(postgres ? "classpath:db/postgresql" : "classpath:db/sqlite")
                .javaMigrations(new V4__Log_existing_events(postgres))
                .target(version)
                .skipDefaultCallbacks(true)
                .load()
                .migrate();
    }
}
