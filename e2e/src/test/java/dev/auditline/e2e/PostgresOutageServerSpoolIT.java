package dev.auditline.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.auditline.client.BufferedAuditStore;
import dev.auditline.datastorage.DataStorage;
import dev.auditline.datastorage.config.DataStorageConfig;
import dev.auditline.datastorage.config.StorageSettings;
import dev.auditline.datastorage.store.TestPostgres;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * PostgreSQL stopped for 20 s and started again, with DataStorage's fallback spool
 * ({@code storage.fallback_spool.dir}) and no client spool: DataStorage fsyncs the valid events of
 * each batch to its spool and answers {@code 202} meanwhile, {@code /readyz} says degraded, and its
 * replayer drains the spool into PostgreSQL once it is back. Nothing is lost (no drop of any
 * reason), nothing is duplicated (rows = distinct ids = acked), and the accounting identity holds.
 */
class PostgresOutageServerSpoolIT {
    private static final String ID = "postgres-down-server-spool";
    private static final Duration OUTAGE = Duration.ofSeconds(20);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path spoolDir;

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void losesAndDuplicatesNothingThroughATwentySecondDatabaseOutage() throws Exception {
        // A server of its own: the shared one must not be stopped under other tests.
        try (TestPostgres postgres = TestPostgres.startEmbedded()) {
            TestPostgres.Database db = postgres.createDatabase();
            AuditDatabase database = new AuditDatabase(db);
            DataStorageConfig config = Servers.config(db, 0);
            config = config.withStorage(
                    config.storage().withFallbackSpool(spoolDir, StorageSettings.DEFAULT_FALLBACK_SPOOL_MAX_BYTES));
            try (DataStorage server = DataStorage.start(config, Clock.systemUTC());
                    BufferedAuditStore store = BufferedAuditStore.create(
                            ScenarioRun.defaults(server.baseUrl(), ID).build());
                    // 50,000 events over ~30 s: before, during and after the outage.
                    ScenarioRun run = ScenarioRun.start(ID, store, database, server.baseUrl(), 1700)) {
                run.awaitStored(8_000);
                long ackedBefore = store.stats().acked();
                long stopNanos = System.nanoTime();
                Instant stopped = Instant.now();
                postgres.stop();
                await("readiness degraded while PostgreSQL is down")
                        .atMost(Duration.ofSeconds(15))
                        .pollInterval(Duration.ofMillis(200))
                        .until(() ->
                                "degraded".equals(readyz(server).path("status").asText()));
                // This sleep paces the fault (20 s from the stop command on); it does not wait for a result.
                long left = stopNanos + OUTAGE.toNanos() - System.nanoTime();
                if (left > 0) {
                    TimeUnit.NANOSECONDS.sleep(left);
                }
                // readiness answers at once while the database is known down (/metrics would wait for
                // the pool's connection timeout to sample audit_storage_ready, and lengthen the outage)
                long pendingAtRestart = readyz(server)
                        .path("fallback_spool")
                        .path("pending_records")
                        .asLong();
                postgres.start();
                long startNanos = System.nanoTime();
                Duration outage = Duration.between(stopped, Instant.now());
                await("the server spool drained into PostgreSQL")
                        .atMost(Duration.ofMinutes(2))
                        .pollInterval(Duration.ofMillis(100))
                        .until(() -> {
                            JsonNode ready = readyz(server);
                            return "ready".equals(ready.path("status").asText())
                                    && ready.path("fallback_spool")
                                                    .path("pending_records")
                                                    .asLong()
                                            == 0;
                        });
                Duration serverDrain = Duration.ofNanos(System.nanoTime() - startNanos);
                CompletableFuture<Duration> drain = run.measureDrain();
                ScenarioRun.Outcome outcome = run.finish();
                Duration clientDrain = drain.get();
                long spooled = metric(server, "audit_ingest_events_total\\{outcome=\"spooled\"}");
                long replayed = metric(server, "audit_fallback_spool_replayed_events_total\\{outcome=\"created\"}");
                long replayedDuplicates =
                        metric(server, "audit_fallback_spool_replayed_events_total\\{outcome=\"duplicate\"}");

                assertThat(outcome.stats().droppedTotal())
                        .as("nothing dropped: %s", outcome.stats())
                        .isZero();
                assertThat(outcome.stats().rejected()).isZero();
                assertThat(outcome.stats().acked())
                        .as("every event acked")
                        .isEqualTo(outcome.stats().enqueued());
                assertThat(spooled)
                        .as("DataStorage spooled events while PostgreSQL was down")
                        .isPositive();
                assertThat(pendingAtRestart).isPositive();
                assertThat(replayed + replayedDuplicates)
                        .as("every spooled event was replayed")
                        .isEqualTo(spooled);

                ReliabilityReport.record(ScenarioResult.of(
                                ID,
                                "PostgreSQL stopped 20 s, server fallback spool",
                                outcome,
                                serverDrain,
                                run.probe().latencies(Instant.EPOCH),
                                outcome.commitLag(),
                                "PostgreSQL down " + outage.toMillis() + " ms (fast shutdown, restarted on the same"
                                        + " port); " + ackedBefore
                                        + " events acked before it stopped. DataStorage ran with"
                                        + " its fallback spool (no client spool): it answered after fsyncing "
                                        + spooled + " events to its spool (" + pendingAtRestart
                                        + " records pending at the restart), /readyz said degraded, and its replayer stored "
                                        + replayed + " of them as created and " + replayedDuplicates + " as duplicates"
                                        + " within " + serverDrain.toMillis() + " ms of the restart. Client: "
                                        + outcome.stats().sendsByStatusClass() + " sends, "
                                        + outcome.stats().retries()
                                        + " retries, no drop of any reason; rows = distinct ids = acked. Visibility and"
                                        + " commit lag include the outage (spooled events become queryable when"
                                        + " replayed). Drain = from PostgreSQL accepting connections again until"
                                        + " DataStorage's /readyz said ready with no record pending in its spool; the"
                                        + " client's own backlog was terminal " + clientDrain.toMillis() + " ms after"
                                        + " that.")
                        .withServerConfig(ConfigDiff.server(config))
                        .tunedBecause(
                                "the row shows DataStorage's fallback spool; the client runs at its" + " defaults"));
            }
        }
    }

    private JsonNode readyz(DataStorage server) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create(server.baseUrl() + "/readyz"))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body());
    }

    /** A counter's value from {@code /metrics}; 0 when it is not there yet. */
    private long metric(DataStorage server, String nameAndTags) throws IOException, InterruptedException {
        String text = http.send(
                        HttpRequest.newBuilder(URI.create(server.baseUrl() + "/metrics"))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        Matcher m = Pattern.compile("(?m)^" + nameAndTags + " (\\S+)$").matcher(text);
        return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
    }
}
