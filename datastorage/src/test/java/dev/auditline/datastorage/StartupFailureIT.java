package dev.auditline.datastorage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.auditline.datastorage.config.DataStorageConfig;
import dev.auditline.datastorage.store.TestPostgres;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What an operator sees when the database role may not create the schema (PostgreSQL 15+'s default). */
@Timeout(120)
class StartupFailureIT {

    @Test
    void aRoleWithoutCreateOnSchemaPublicFailsTheStartWithOneLineOfAdvice() throws Exception {
        TestPostgres.Database db = TestPostgres.shared().createDatabase();
        String role = "runtime_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection c = db.connect();
                Statement s = c.createStatement()) {
            s.execute("CREATE ROLE " + role + " LOGIN PASSWORD 'runtime-password'");
        }
        DataStorageConfig defaults = DataStorageConfig.defaults();
        DataStorageConfig config = defaults.withServer(defaults.server().withPort(0))
                .withStorage(defaults.storage()
                        .withUrl(db.jdbcUrl())
                        .withCredentials(role, "runtime-password")
                        .withPoolSize(2));

        Throwable failure = catchThrowable(
                () -> DataStorage.start(config, Clock.systemUTC()).close());

        assertThat(failure).isNotNull();
        assertThat(StartupFailures.advice(failure))
                .startsWith("the database role may not create DataStorage's tables (ERROR: permission denied for"
                        + " schema public)")
                .doesNotContain("\n");
    }
}
