package dev.auditline.datastorage.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class StorageConfigTest {

    @Test
    void defaultsToTheEmbeddedSqliteStore() {
        StorageConfig config = StorageConfig.defaults();

        assertThat(config.kind()).isEqualTo(StorageConfig.Kind.SQLITE);
        assertThat(config.jdbcUrl()).isEqualTo("jdbc:sqlite:./data/audit.db");
        assertThat(config.poolSize()).isEqualTo(10);
        assertThat(config.partitionsAhead()).isEqualTo(3);
        assertThat(config.connectionTimeout()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void recognisesPostgresqlUrls() {
        StorageConfig config = StorageConfig.of("jdbc:postgresql://db:5432/audit");

        assertThat(config.kind()).isEqualTo(StorageConfig.Kind.POSTGRESQL);
        assertThat(config.jdbcUrl()).isEqualTo("jdbc:postgresql://db:5432/audit");
    }

    @Test
    void rejectsAnUnknownUrlNamingTheAcceptedSchemes() {
        assertThatThrownBy(() -> StorageConfig.of("mysql://db/audit?password=secret"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("storage.url must start with jdbc:postgresql:, sqlite: or jdbc:sqlite:"
                        + " (got \"mysql://db/audit?password=***\")");
    }

    @Test
    void rejectsAUserAndPasswordBeforeTheHostWithoutPrintingThePassword() {
        assertThatThrownBy(() -> StorageConfig.of("jdbc:postgresql://app:hunter2@db/audit"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("storage.url must not hold a user or password before the host"
                        + " (got \"jdbc:postgresql://app:***@db/audit\"): put them in storage.credentials_file");
    }

    @Test
    void rejectsASqliteUrlWithoutAFile() {
        assertThatThrownBy(() -> StorageConfig.of("sqlite:"))
                .hasMessage("storage.url must name a SQLite file (got \"sqlite:\")");
    }

    @Test
    void rejectsOutOfRangeSettingsNamingTheKeyAndValue() {
        StorageConfig config = StorageConfig.defaults();

        assertThatThrownBy(() -> config.withPoolSize(0)).hasMessage("storage.pool_size must be ≥ 1 (got 0)");
        assertThatThrownBy(() -> config.withPartitionsAhead(-1))
                .hasMessage("storage.partitions_ahead must be between 0 and 120 (got -1)");
        assertThatThrownBy(() -> config.withConnectionTimeout(Duration.ofMillis(100)))
                .hasMessage("storage.connection_timeout must be ≥ 250ms (got 100ms)");
    }

    @Test
    void masksThePasswordWhenPrinted() {
        StorageConfig config = StorageConfig.of("jdbc:postgresql://db/audit?user=a&password=hunter2")
                .withCredentials("audit", "s3cret");

        assertThat(config.toString())
                .doesNotContain("hunter2")
                .doesNotContain("s3cret")
                .contains("password=***");
    }
}
