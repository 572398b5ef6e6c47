package dev.auditline.client;

import static dev.auditline.client.TestEvents.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.auditline.api.wire.ServerLimits;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The store with its production HTTP sender against a stand-in DataStorage on 127.0.0.1. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BufferedAuditStoreHttpTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private final TestDataStorage server;
    private final RecordingSleeper sleeper = new RecordingSleeper();
    private final List<BufferedAuditStore> stores = new ArrayList<>();

    BufferedAuditStoreHttpTest() throws IOException {
        server = new TestDataStorage();
    }

    @AfterEach
    void stop() {
        stores.forEach(s -> s.close(Duration.ofSeconds(2)));
        server.close();
    }

    private AuditClientConfig.Builder config() throws IOException {
        Path token = dir.resolve("token");
        Files.writeString(token, "secret\n");
        return AuditClientConfig.builder()
                .datastorageUrl(server.url())
                .serviceName("http-test")
                .flushInterval(Duration.ofHours(1))
                .deliveryTimeout(Duration.ofHours(2))
                .timeout(Duration.ofSeconds(5))
                .maxRetries(2)
                .tokenFile(token);
    }

    private BufferedAuditStore start(AuditClientConfig.Builder config) {
        BufferedAuditStore store = BufferedAuditStore.builder(config.build())
                .sleeper(sleeper)
                .jitter(() -> 0.0)
                .build();
        stores.add(store);
        return store;
    }

    private static void storeAll(BufferedAuditStore store, int count) {
        for (int i = 0; i < count; i++) {
            store.store(event(i));
        }
    }

    @Test
    void deliversEventsAndFlushReportsThemAcked() throws IOException {
        BufferedAuditStore store = start(config());
        storeAll(store, 5);

        FlushReport report = store.flush(WAIT);

        assertThat(report.acked()).isEqualTo(5);
        assertThat(report.allAcked()).isTrue();
        assertThat(server.requests).hasSize(1);
        assertThat(server.requests.get(0).header("Authorization")).isEqualTo("Bearer secret");
        assertThat(store.stats().sendsByStatusClass()).containsEntry("2xx", 1L);
    }

    @Test
    void countsA202AsAcked() throws IOException {
        server.handler((request, n) -> new TestDataStorage.Response(
                202, Map.of(), "{\"created\":" + request.eventCount() + ",\"duplicates\":0,\"rejected\":0}"));
        BufferedAuditStore store = start(config());
        storeAll(store, 3);

        assertThat(store.flush(WAIT).acked()).isEqualTo(3);
    }

    @Test
    void countsPerItemRejectionsFromTheServerAnswer() throws IOException {
        server.handler((request, n) -> new TestDataStorage.Response(
                200,
                Map.of(),
                "{\"created\":2,\"duplicates\":0,\"rejected\":1,\"results\":[{\"index\":1,\"event_id\":\""
                        + request.eventIds().get(1)
                        + "\",\"status\":\"rejected\",\"error\":{\"field\":\"event_data\",\"detail\":\"too big\"}}]}"));
        BufferedAuditStore store = start(config());
        storeAll(store, 3);

        FlushReport report = store.flush(WAIT);

        assertThat(report.acked()).isEqualTo(2);
        assertThat(report.rejected()).isEqualTo(1);
        assertThat(server.requests).hasSize(1);
    }

    @Test
    void rejectsTheWholeBatchOn400() throws IOException {
        server.handler((request, n) -> TestDataStorage.problem(400, "bad body", Map.of()));
        BufferedAuditStore store = start(config());
        storeAll(store, 2);

        FlushReport report = store.flush(WAIT);

        assertThat(report.rejected()).isEqualTo(2);
        assertThat(server.requests).hasSize(1);
    }

    @ParameterizedTest
    @ValueSource(ints = {429, 503, 500})
    void waitsTheServersRetryAfterThenDelivers(int status) throws IOException {
        server.handler((request, n) -> n == 1
                ? TestDataStorage.problem(status, "busy", Map.of("Retry-After", "3"))
                : TestDataStorage.allCreated(request, n));
        BufferedAuditStore store = start(config());
        storeAll(store, 2);

        FlushReport report = store.flush(WAIT);

        assertThat(report.acked()).isEqualTo(2);
        assertThat(sleeper.sleeps).containsExactly(Duration.ofSeconds(3));
        assertThat(server.requests.get(1).eventIds())
                .isEqualTo(server.requests.get(0).eventIds());
    }

    @ParameterizedTest
    @ValueSource(ints = {500, 501, 505})
    void retriesServerErrorsThenDropsAsRetriesExhausted(int status) throws IOException {
        server.handler((request, n) -> TestDataStorage.problem(status, "down", Map.of()));
        BufferedAuditStore store = start(config());
        storeAll(store, 2);

        FlushReport report = store.flush(WAIT);

        assertThat(report.dropped()).isEqualTo(2);
        assertThat(server.requests).hasSize(3); // 1 + max_retries
        assertThat(store.stats().dropped(DropReason.RETRIES_EXHAUSTED)).isEqualTo(2);
        assertThat(store.stats().sendsByStatusClass()).containsEntry("5xx", 3L);
    }

    @Test
    void dropsWithoutRetryingWhenTheTokenIsRefused() throws IOException {
        server.handler((request, n) -> TestDataStorage.problem(401, "unknown token", Map.of()));
        BufferedAuditStore store = start(config());
        storeAll(store, 2);

        FlushReport report = store.flush(WAIT);

        assertThat(report.dropped()).isEqualTo(2);
        assertThat(server.requests).hasSize(1);
    }

    @Test
    void splitsOn413UntilEveryPartFits() throws IOException {
        server.handler((request, n) -> request.eventCount() > 2
                ? TestDataStorage.problem(413, "body too large", Map.of())
                : TestDataStorage.allCreated(request, n));
        BufferedAuditStore store = start(config());
        storeAll(store, 6);

        FlushReport report = store.flush(WAIT);

        assertThat(report.acked()).isEqualTo(6);
        assertThat(server.requests)
                .extracting(TestDataStorage.Request::eventCount)
                .containsExactly(6, 3, 1, 2, 3, 1, 2);
    }

    @Test
    void neverSendsALargerBatchThanTheServerAnnounced() throws IOException {
        server.handler((request, n) -> {
            TestDataStorage.Response created = TestDataStorage.allCreated(request, n);
            return new TestDataStorage.Response(200, Map.of(ServerLimits.HEADER_MAX_BATCH_SIZE, "2"), created.body());
        });
        BufferedAuditStore store = start(config().batchSize(100));
        store.store(event(0));
        store.flush(WAIT);

        storeAll(store, 7);
        FlushReport report = store.flush(WAIT);

        assertThat(report.acked()).isEqualTo(7);
        assertThat(server.requests.subList(1, server.requests.size()))
                .allSatisfy(r -> assertThat(r.eventCount()).isLessThanOrEqualTo(2));
    }

    @Test
    void asksTheServerLimitsOnceSoThatEvenTheFirstBatchFits() throws IOException {
        server.limits("{\"max_batch_size\":2,\"max_request_bytes\":16777216,\"max_event_data_bytes\":262144}");
        BufferedAuditStore store = start(config().batchSize(100));
        storeAll(store, 5);

        FlushReport report = store.flush(WAIT);
        storeAll(store, 1);
        store.flush(WAIT);

        assertThat(report.acked()).isEqualTo(5);
        assertThat(server.requests)
                .extracting(TestDataStorage.Request::eventCount)
                .containsExactly(2, 2, 1, 1);
        assertThat(server.limitsRequests).hasValue(1);
    }

    @Test
    void closeGivesUpOnAHangingServerWithinItsTimeout() throws IOException {
        java.util.concurrent.CountDownLatch never = new java.util.concurrent.CountDownLatch(1);
        server.handler((request, n) -> {
            never.await();
            return TestDataStorage.allCreated(request, n);
        });
        BufferedAuditStore store = start(config().timeout(Duration.ofSeconds(30)));
        storeAll(store, 3);
        store.flush(Duration.ofMillis(1)); // cut the batch now; it hangs on the wire

        long start = System.nanoTime();
        CloseReport report = store.close(Duration.ofMillis(300));

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        assertThat(report.timedOut()).isTrue();
        assertThat(report.droppedByReason()).containsEntry(DropReason.CLOSED, 3L);
        assertThat(store.stats().unaccounted()).isZero();
    }

    @Test
    void probesWhileNothingListensWithoutUsingRetriesAndDeliversOnceTheServerIsThere() throws IOException {
        // max_retries 2 (config()), yet five refused connections drop nothing: the server is away,
        // the batch has not failed.
        server.handler((request, n) ->
                n <= 5 ? TestDataStorage.problem(503, "starting", Map.of()) : TestDataStorage.allCreated(request, n));
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        BufferedAuditStore refused = start(config().datastorageUrl("http://127.0.0.1:" + closedPort));
        refused.store(event(0));
        assertThat(refused.flush(Duration.ofMillis(200)).timedOut()).isTrue();
        await().atMost(WAIT).until(() -> refused.stats().sendsByStatusClass().get("network") >= 5);
        assertThat(refused.stats().droppedTotal()).isZero();
        assertThat(refused.stats().inFlightEvents()).isEqualTo(1);

        BufferedAuditStore starting = start(config());
        storeAll(starting, 2);
        FlushReport report = starting.flush(WAIT);

        assertThat(report.acked()).isEqualTo(2);
        assertThat(report.dropped()).isZero();
        assertThat(server.requests).hasSize(6);
    }
}
