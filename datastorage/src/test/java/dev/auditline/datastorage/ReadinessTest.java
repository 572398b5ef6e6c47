package dev.auditline.datastorage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.auditline.datastorage.config.DataStorageConfig;
import dev.auditline.datastorage.config.StorageSettings;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /readyz} with the fallback spool: a failed probe reports degraded but leaves ingest on the
 * database; only a failed insert moves it to the spool.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReadinessTest {
    @TempDir
    Path dir;

    DataStorage server;
    ControllableRepository repository;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aFailedReadinessProbeReportsDegradedWithoutSwitchingIngestToTheSpool() {
        DataStorageConfig d = DataStorageConfig.defaults();
        DataStorageConfig config = d.withServer(d.server().withPort(0))
                .withStorage(d.storage()
                        .withUrl("sqlite:" + dir.resolve("audit.db"))
                        .withFallbackSpool(dir.resolve("spool"), StorageSettings.DEFAULT_FALLBACK_SPOOL_MAX_BYTES));
        server = DataStorage.start(config, Clock.systemUTC(), real -> repository = new ControllableRepository(real));
        ApiClient api = new ApiClient(server.baseUrl());
        repository.unavailable(true);

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(
                        api.get("/readyz").json().get("status").textValue())
                .isEqualTo("degraded"));

        assertThat(api.get("/metrics").body()).contains("audit_fallback_spool_active 0.0");
        repository.unavailable(false);
        String trail = WireEvents.uniqueCorrelationId("readyz");
        ApiClient.Reply stored = api.post(
                DataStorageApiContract.BATCH,
                WireEvents.batch(WireEvents.valid(trail, Instant.now().truncatedTo(ChronoUnit.MICROS))));
        assertThat(stored.status()).as("stored in the database, not spooled").isEqualTo(200);
    }
}
