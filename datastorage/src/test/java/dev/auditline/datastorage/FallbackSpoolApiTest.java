package dev.auditline.datastorage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.auditline.datastorage.auth.Authenticator;
import dev.auditline.datastorage.config.DataStorageConfig;
import dev.auditline.datastorage.config.StorageSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ingest path with the server fallback spool, over HTTP, with the database made unavailable in
 * front of a real SQLite store: {@code 202} and a degraded {@code /readyz} while it is down, the
 * replay when it is back, {@code 503} when the spool is full. Every response is checked against
 * {@code openapi.yaml}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FallbackSpoolApiTest {
    static final String BATCH = DataStorageApiContract.BATCH;
    static final String EVENTS = DataStorageApiContract.EVENTS;

    @TempDir
    Path dir;

    DataStorage server;
    ControllableRepository repository;
    ApiClient api;

    void start(long spoolMaxBytes) throws IOException {
        Path tokens = Files.writeString(
                dir.resolve("tokens.yaml"),
                "clients:\n  orchestrator:\n    token_sha256: " + Authenticator.sha256Hex("writer-token")
                        + "\n    permissions: [read, write]\n");
        DataStorageConfig defaults = DataStorageConfig.defaults();
        DataStorageConfig config = defaults.withServer(
                        defaults.server().withPort(0).withAuthTokensFile(tokens))
                .withStorage(defaults.storage()
                        .withUrl("sqlite:" + dir.resolve("audit.db"))
                        .withFallbackSpool(dir.resolve("spool"), spoolMaxBytes));
        server = DataStorage.start(config, Clock.systemUTC(), real -> repository = new ControllableRepository(real));
        api = new ApiClient(server.baseUrl(), "writer-token");
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }

    List<JsonNode> trail(String correlationId) {
        ApiClient.Reply reply = api.get(EVENTS + "?limit=1000&correlation_id=" + correlationId);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        List<JsonNode> out = new ArrayList<>();
        reply.json().get("events").forEach(out::add);
        return out;
    }

    @Test
    void answers202ForTheValidEventsWhileTheDatabaseIsDownAndStoresThemWithTheClientOnceItIsBack() throws IOException {
        start(StorageSettings.DEFAULT_FALLBACK_SPOOL_MAX_BYTES);
        String trail = WireEvents.uniqueCorrelationId("fallback");
        ObjectNode first = WireEvents.valid(trail, now());
        ObjectNode invalid = WireEvents.valid(trail, now()).put("event_type", "Not Valid");
        ObjectNode second = WireEvents.valid(trail, now());
        repository.unavailable(true);

        ApiClient.Reply reply = api.post(BATCH, WireEvents.batch(first, invalid, second, first));

        assertThat(reply.status()).as(reply.body()).isEqualTo(202);
        JsonNode body = reply.json();
        assertThat(body.get("created").intValue()).isEqualTo(2);
        assertThat(body.get("duplicates").intValue()).isEqualTo(1);
        assertThat(body.get("rejected").intValue()).isEqualTo(1);
        assertThat(body.get("results").get(0).get("index").intValue()).isEqualTo(1);
        assertThat(body.get("results").get(0).get("status").textValue()).isEqualTo("rejected");
        assertThat(body.get("results").get(1).get("index").intValue()).isEqualTo(3);
        assertThat(body.get("results").get(1).get("status").textValue()).isEqualTo("duplicate");
        JsonNode degraded = api.get("/readyz").json();
        assertThat(degraded.get("status").textValue()).isEqualTo("degraded");
        assertThat(degraded.get("storage").textValue()).isEqualTo("unavailable");
        assertThat(degraded.get("fallback_spool").get("status").textValue()).isEqualTo("accepting");
        assertThat(degraded.get("fallback_spool").get("pending_records").longValue())
                .isEqualTo(1);
        assertThat(api.get(EVENTS + "?correlation_id=" + trail).status())
                .as("queries need the database")
                .isEqualTo(503);
        assertThat(api.get("/metrics").body())
                .contains("audit_ingest_events_total{outcome=\"spooled\"} 2.0")
                .contains("audit_fallback_spool_active 1.0")
                .contains("audit_fallback_spool_pending_records 1.0");

        repository.unavailable(false);

        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> {
                    JsonNode ready = api.get("/readyz").json();
                    assertThat(ready.get("status").textValue()).isEqualTo("ready");
                    assertThat(ready.get("fallback_spool")
                                    .get("pending_records")
                                    .longValue())
                            .isZero();
                });
        List<JsonNode> stored = trail(trail);
        assertThat(stored)
                .extracting(e -> e.get("event_id").textValue())
                .containsExactlyInAnyOrder(
                        first.get("event_id").textValue(),
                        second.get("event_id").textValue());
        assertThat(stored)
                .allSatisfy(e -> assertThat(e.get("ingested_by").textValue()).isEqualTo("orchestrator"));
        assertThat(api.get("/metrics").body())
                .contains("audit_fallback_spool_replayed_events_total{outcome=\"created\"} 2.0")
                .contains("audit_fallback_spool_active 0.0");
    }

    @Test
    void sealsTheSpoolOnShutdownAndReplaysItAfterTheNextStart() throws IOException {
        start(StorageSettings.DEFAULT_FALLBACK_SPOOL_MAX_BYTES);
        String trail = WireEvents.uniqueCorrelationId("restart");
        ObjectNode event = WireEvents.valid(trail, now());
        repository.unavailable(true);
        assertThat(api.post(BATCH, WireEvents.batch(event)).status()).isEqualTo(202);

        server.close();

        try (Stream<Path> files = Files.list(dir.resolve("spool"))) {
            assertThat(files.map(f -> f.getFileName().toString()))
                    .as("the open segment was sealed")
                    .anyMatch(name -> name.startsWith("segment-") && name.endsWith(".log"))
                    .noneMatch(name -> name.endsWith(".tmp"));
        }
        start(StorageSettings.DEFAULT_FALLBACK_SPOOL_MAX_BYTES);
        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertThat(trail(trail)).hasSize(1));
    }

    @Test
    void answersASingleEventWith202WhileTheDatabaseIsDown() throws IOException {
        start(StorageSettings.DEFAULT_FALLBACK_SPOOL_MAX_BYTES);
        ObjectNode event = WireEvents.valid(WireEvents.uniqueCorrelationId("single"), now());
        repository.unavailable(true);

        ApiClient.Reply reply = api.post(EVENTS, event.toString());

        assertThat(reply.status()).as(reply.body()).isEqualTo(202);
        assertThat(reply.json().get("status").textValue()).isEqualTo("created");
        repository.unavailable(false);
        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> api.get(EVENTS + "/" + WireEvents.id(event)).status() == 200);
    }

    @Test
    void answers503WithRetryAfterWhenTheFallbackSpoolIsFullAndNotReady() throws IOException {
        start(8 * 1024);
        String trail = WireEvents.uniqueCorrelationId("full");
        repository.unavailable(true);
        List<ObjectNode> accepted = new ArrayList<>();
        ApiClient.Reply refused = null;
        for (int i = 0; i < 100 && refused == null; i++) {
            ObjectNode event = WireEvents.valid(trail, now());
            ApiClient.Reply reply = api.post(BATCH, WireEvents.batch(event));
            if (reply.status() == 202) {
                accepted.add(event);
            } else {
                refused = reply;
            }
        }

        assertThat(accepted).isNotEmpty();
        assertThat(refused).isNotNull();
        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.header("Retry-After")).isEqualTo("5");
        assertThat(refused.json().get("type").textValue()).endsWith("/fallback-spool-full");
        ApiClient.Reply notReady = api.get("/readyz");
        assertThat(notReady.status()).isEqualTo(503);
        assertThat(notReady.json().get("fallback_spool").get("status").textValue())
                .isEqualTo("refusing");
        assertThat(api.get("/metrics").body())
                .contains("audit_fallback_spool_refused_events_total{reason=\"spool_full\"} 1.0");

        repository.unavailable(false);

        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertThat(trail(trail)).hasSize(accepted.size()));
        assertThat(api.get("/readyz").status()).isEqualTo(200);
    }
}
