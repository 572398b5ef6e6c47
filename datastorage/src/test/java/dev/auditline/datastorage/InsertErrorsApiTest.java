package dev.auditline.datastorage;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.auditline.datastorage.config.DataStorageConfig;
import dev.auditline.datastorage.config.StorageSettings;
import dev.auditline.datastorage.store.RefusingTrigger;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * With the fallback spool on, a batch the database refuses for its values is answered {@code 400
 * value-refused}: it is not spooled (its replay would fail the same way), the storage is not marked
 * down and {@code /readyz} stays ready; the next batch is stored. The refusal is a real SQLite
 * error, raised by a trigger on {@code audit_events} for one actor.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class InsertErrorsApiTest {
    static final String BATCH = DataStorageApiContract.BATCH;

    @TempDir
    Path dir;

    DataStorage server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** DataStorage on the SQLite file {@code audit.db} in {@link #dir}, the fallback spool on. */
    private ApiClient startOnSqliteWithTheFallbackSpool() {
        DataStorageConfig defaults = DataStorageConfig.defaults();
        DataStorageConfig config = defaults.withServer(defaults.server().withPort(0))
                .withStorage(defaults.storage()
                        .withUrl("sqlite:" + dir.resolve("audit.db"))
                        .withFallbackSpool(dir.resolve("spool"), StorageSettings.DEFAULT_FALLBACK_SPOOL_MAX_BYTES));
        server = DataStorage.start(config, Clock.systemUTC());
        return new ApiClient(server.baseUrl());
    }

    @Test
    void aBatchTheDatabaseRefusesIsA400AndNeitherSpooledNorAnOutage() throws IOException, SQLException {
        ApiClient api = startOnSqliteWithTheFallbackSpool();
        try (Connection c = RefusingTrigger.sqliteDataSource(dir.resolve("audit.db"))
                        .getConnection();
                Statement s = c.createStatement()) {
            for (String sql : RefusingTrigger.sqlite()) {
                s.execute(sql);
            }
        }
        String trail = WireEvents.uniqueCorrelationId("refused");
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        ObjectNode good = WireEvents.valid(trail, now);
        ObjectNode refused = WireEvents.valid(trail, now).put("actor_id", RefusingTrigger.ACTOR);

        ApiClient.Reply reply = api.post(BATCH, WireEvents.batch(good, refused));

        assertThat(reply.status()).as(reply.body()).isEqualTo(400);
        assertThat(reply.json().get("type").textValue()).isEqualTo("https://auditline.dev/problems/value-refused");
        JsonNode ready = api.get("/readyz").json();
        assertThat(ready.get("status").textValue()).as(ready.toString()).isEqualTo("ready");
        assertThat(ready.get("fallback_spool").get("pending_records").longValue())
                .isZero();
        assertThat(api.get("/metrics").body()).contains("audit_ingest_events_total{outcome=\"spooled\"} 0.0");

        ApiClient.Reply next = api.post(BATCH, WireEvents.batch(good));
        assertThat(next.status()).as(next.body()).isEqualTo(200);
        assertThat(next.json().get("created").intValue()).isEqualTo(1);
        JsonNode stored = api.get(DataStorageApiContract.EVENTS + "?correlation_id=" + trail)
                .json()
                .get("events");
        assertThat(stored).hasSize(1);
        assertThat(stored.get(0).get("event_id").textValue())
                .isEqualTo(good.get("event_id").textValue());
    }

    /**
     * Another connection holding the SQLite file's write lock (an operator's {@code sqlite3}
     * session, a backup): the batch is answered {@code 503 storage-busy} with {@code Retry-After}
     * once the busy timeout has passed, within the client's request timeout; nothing is stored or
     * spooled and the storage is not taken for down. Once the lock is released the same batch is
     * stored.
     */
    @Test
    void aBatchWhileAnotherConnectionHoldsTheWriteLockIsA503BusyWithinTheClientsTimeout()
            throws IOException, SQLException {
        ApiClient api = startOnSqliteWithTheFallbackSpool();
        String trail = WireEvents.uniqueCorrelationId("busy");
        ObjectNode event = WireEvents.valid(trail, Instant.now().truncatedTo(ChronoUnit.MICROS));

        ApiClient.Reply busy;
        try (Connection holder = RefusingTrigger.sqliteDataSource(dir.resolve("audit.db"))
                        .getConnection();
                Statement s = holder.createStatement()) {
            s.execute("BEGIN IMMEDIATE");
            // ApiClient gives up after 30 s: a writer that retried past it would fail this test
            busy = api.post(BATCH, WireEvents.batch(event));
            s.execute("ROLLBACK");
        }

        assertThat(busy.status()).as(busy.body()).isEqualTo(503);
        assertThat(busy.json().get("type").textValue()).isEqualTo("https://auditline.dev/problems/storage-busy");
        assertThat(busy.header("Retry-After")).isNotNull();
        JsonNode ready = api.get("/readyz").json();
        assertThat(ready.get("status").textValue()).as(ready.toString()).isEqualTo("ready");
        assertThat(ready.get("fallback_spool").get("pending_records").longValue())
                .isZero();
        assertThat(api.get(DataStorageApiContract.EVENTS + "?correlation_id=" + trail)
                        .json()
                        .get("events"))
                .isEmpty();

        ApiClient.Reply stored = api.post(BATCH, WireEvents.batch(event));
        assertThat(stored.status()).as(stored.body()).isEqualTo(200);
        assertThat(stored.json().get("created").intValue()).isEqualTo(1);
    }
}
