package dev.auditline.datastorage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.auditline.datastorage.config.DataStorageConfig;
import dev.auditline.datastorage.store.TestPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server fallback spool over real PostgreSQL (a private embedded server, really stopped and
 * started on the same port) while several senders keep ingesting: during the outage batches are
 * answered {@code 202} and {@code /readyz} is degraded; once PostgreSQL is back the replayer drains
 * the spool, and every acknowledged event is stored exactly once.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FallbackSpoolIT {
    static final String BATCH = DataStorageApiContract.BATCH;
    static final int SENDERS = 4;
    static final int BATCH_SIZE = 50;

    @TempDir
    Path dir;

    final Set<String> acked = ConcurrentHashMap.newKeySet();
    final AtomicInteger answered200 = new AtomicInteger();
    final AtomicInteger answered202 = new AtomicInteger();
    final AtomicInteger retried = new AtomicInteger();
    final AtomicBoolean sending = new AtomicBoolean(true);

    @Test
    void acknowledgesDurablyDuringAPostgresOutageAndStoresEveryEventExactlyOnceAfterIt() throws Exception {
        try (TestPostgres postgres = TestPostgres.startEmbedded()) {
            TestPostgres.Database db = postgres.createDatabase();
            DataStorageConfig defaults = DataStorageConfig.defaults();
            DataStorageConfig config = defaults.withServer(defaults.server().withPort(0))
                    .withStorage(defaults.storage()
                            .withUrl(db.jdbcUrl())
                            .withCredentials(db.user(), db.password())
                            .withPoolSize(SENDERS)
                            .withFallbackSpool(dir.resolve("spool"), 64L << 20));
            ExecutorService senders = Executors.newFixedThreadPool(SENDERS);
            try (DataStorage server = DataStorage.start(config, Clock.systemUTC())) {
                ApiClient api = new ApiClient(server.baseUrl());
                List<Future<?>> running = new ArrayList<>();
                for (int i = 0; i < SENDERS; i++) {
                    running.add(senders.submit(() -> sendUntilStopped(api)));
                }
                await().atMost(Duration.ofSeconds(20)).until(() -> answered200.get() >= 20);

                postgres.stop();
                int before = answered202.get();
                await().atMost(Duration.ofSeconds(30)).until(() -> answered202.get() >= before + 40);
                JsonNode degraded = api.get("/readyz").json();
                assertThat(degraded.get("status").textValue()).isEqualTo("degraded");
                assertThat(degraded.get("storage").textValue()).isEqualTo("unavailable");
                assertThat(degraded.get("fallback_spool").get("pending_records").longValue())
                        .isPositive();

                postgres.start();
                int okBefore = answered200.get();
                await().atMost(Duration.ofSeconds(30)).until(() -> answered200.get() >= okBefore + 20);
                sending.set(false);
                for (Future<?> f : running) {
                    f.get(30, TimeUnit.SECONDS);
                }

                await().atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(200))
                        .untilAsserted(() -> {
                            ApiClient.Reply ready = api.get("/readyz");
                            assertThat(ready.status()).isEqualTo(200);
                            assertThat(ready.json().get("status").textValue()).isEqualTo("ready");
                            assertThat(ready.json()
                                            .get("fallback_spool")
                                            .get("pending_records")
                                            .longValue())
                                    .isZero();
                        });
                assertThat(api.get("/metrics").body()).contains("audit_fallback_spool_replayed_events_total");
            } finally {
                senders.shutdownNow();
            }
            long[] rows = countRows(db);
            assertThat(answered202.get()).isPositive();
            assertThat(rows[0]).as("rows").isEqualTo(acked.size());
            assertThat(rows[1]).as("distinct event ids").isEqualTo(acked.size());
            assertThat(rows[2]).as("stored ids that were acknowledged").isEqualTo(acked.size());
        }
    }

    /** Like the client: a batch is resent with the same ids until it is answered 200 or 202. */
    private void sendUntilStopped(ApiClient api) {
        while (sending.get()) {
            List<ObjectNode> events = new ArrayList<>(BATCH_SIZE);
            String trail = WireEvents.uniqueCorrelationId("outage");
            Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
            for (int i = 0; i < BATCH_SIZE; i++) {
                events.add(WireEvents.valid(trail, now));
            }
            String body = WireEvents.batch(events);
            while (true) {
                ApiClient.Reply reply = api.post(BATCH, body);
                if (reply.status() == 200 || reply.status() == 202) {
                    assertThat(reply.json().get("rejected").intValue()).isZero();
                    (reply.status() == 200 ? answered200 : answered202).incrementAndGet();
                    events.forEach(e -> acked.add(e.get("event_id").textValue()));
                    break;
                }
                assertThat(reply.status()).as(reply.body()).isIn(429, 503);
                retried.incrementAndGet();
                pause();
            }
        }
    }

    private static void pause() {
        try {
            TimeUnit.MILLISECONDS.sleep(100); // the sender's backoff, not a wait for a result
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** {count(*), count(DISTINCT event_id), how many of the acknowledged ids are stored}. */
    private long[] countRows(TestPostgres.Database db) throws SQLException {
        try (Connection c = db.connect();
                Statement s = c.createStatement()) {
            long rows;
            long distinct;
            try (ResultSet rs = s.executeQuery("SELECT count(*), count(DISTINCT event_id) FROM audit_events")) {
                rs.next();
                rows = rs.getLong(1);
                distinct = rs.getLong(2);
            }
            long found = 0;
            try (ResultSet rs = s.executeQuery("SELECT event_id::text FROM audit_events")) {
                while (rs.next()) {
                    if (acked.contains(rs.getString(1))) {
                        found++;
                    }
                }
            }
            return new long[] {rows, distinct, found};
        }
    }
}
