package dev.auditline.datastorage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.auditline.datastorage.store.StorageUnavailableException;
import java.net.ConnectException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

class StartupFailuresTest {

    @Test
    void aRoleWithoutCreateOnSchemaPublicIsOneLineThatSaysWhatToDo() {
        SQLException denied = new SQLException("ERROR: permission denied for schema public\n  Position: 14", "42501");
        RuntimeException flyway = new RuntimeException(
                "Unable to create table \"public\".\"flyway_schema_history\"\n---------\nSQL State  : 42501\n...",
                denied);
        String advice = StartupFailures.advice(
                new StorageUnavailableException("PostgreSQL store db:5432/audit: migration failed: …", flyway));
        assertThat(advice)
                .isEqualTo("the database role may not create DataStorage's tables (ERROR: permission denied for schema"
                        + " public). PostgreSQL 15 and later no longer let every role CREATE in schema public: run"
                        + " DataStorage (or its migrations) as the schema's owner role, or GRANT CREATE ON SCHEMA"
                        + " public to that role; see docs/datastorage.md, \"PostgreSQL roles\".")
                .doesNotContain("\n");
    }

    @Test
    void wrongCredentialsAndMissingDatabaseAndNoServerAreExplained() {
        assertThat(StartupFailures.advice(new RuntimeException(
                        new SQLException("FATAL: password authentication failed for user \"audit\"", "28P01"))))
                .startsWith("PostgreSQL refused the login (FATAL: password authentication failed for user \"audit\")");
        assertThat(StartupFailures.advice(new SQLException("FATAL: database \"audit\" does not exist", "3D000")))
                .startsWith("the database named in storage.url does not exist");
        assertThat(StartupFailures.advice(new RuntimeException(new ConnectException("Connection refused"))))
                .startsWith("cannot connect to the database (Connection refused)");
    }

    @Test
    void anUnknownCauseGetsNoAdvice() {
        assertThat(StartupFailures.advice(new RuntimeException("boom", new SQLException("x", "XX000"))))
                .isNull();
        assertThat(StartupFailures.advice(new IllegalStateException("boom"))).isNull();
    }
}
