package dev.auditline.client;

import static dev.auditline.client.TestEvents.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.wire.ItemStatus;
import dev.auditline.api.wire.ServerLimits;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(value = 20, unit = TimeUnit.SECONDS)
class HttpBatchSinkTest {
    private static final Instant NOW = Instant.parse("2026-11-26T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    @TempDir
    Path dir;

    private final TestDataStorage server;
    private final CountDownLatch hang = new CountDownLatch(1);

    HttpBatchSinkTest() throws IOException {
        server = new TestDataStorage();
    }

    @AfterEach
    void stopServer() {
        hang.countDown();
        server.close();
    }

    private HttpBatchSink sink(Path tokenFile) {
        return new HttpBatchSink(server.url(), Duration.ofSeconds(5), tokenFile, "svc", CLOCK);
    }

    private HttpBatchSink sink() {
        return sink(null);
    }

    private static List<AuditEvent> events(int n) {
        return java.util.stream.IntStream.range(0, n)
                .mapToObj(TestEvents::event)
                .toList();
    }

    @Test
    void postsAGzippedJsonBatchWithTheBearerTokenFromTheTokenFile() throws Exception {
        Path token = dir.resolve("token");
        Files.writeString(token, "  tok-123 \n");
        List<AuditEvent> events = events(3);

        sink(token).send(events);

        TestDataStorage.Request request = server.requests.get(0);
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.path()).isEqualTo("/api/v1/audit/events/batch");
        assertThat(request.header("Authorization")).isEqualTo("Bearer tok-123");
        assertThat(request.header("Content-Type")).isEqualTo("application/json");
        assertThat(request.header("Content-Encoding")).isEqualTo("gzip");
        assertThat(request.rawBody()[0] & 0xff).isEqualTo(0x1f); // the gzip magic number
        assertThat(request.rawBody()[1] & 0xff).isEqualTo(0x8b);
        assertThat(request.eventIds())
                .containsExactlyElementsOf(
                        events.stream().map(e -> e.eventId().toString()).toList());
        assertThat(request.body().get("events").get(0).get("event_type").asText())
                .isEqualTo("orchestrator.approval.requested");
    }

    @Test
    void readsARotatedTokenOnTheNextRequest() throws Exception {
        Path token = dir.resolve("token");
        Files.writeString(token, "first");
        HttpBatchSink sink = sink(token);
        sink.send(events(1));
        Files.writeString(token, "second");

        sink.send(events(1));

        assertThat(server.requests)
                .extracting(r -> r.header("Authorization"))
                .containsExactly("Bearer first", "Bearer second");
    }

    @Test
    void sendsNoAuthorizationHeaderWithoutATokenFile() throws Exception {
        sink().send(events(1));

        assertThat(server.requests.get(0).header("Authorization")).isNull();
    }

    @Test
    void refusesToStartWithAnUnreadableTokenFile() {
        Path missing = dir.resolve("missing-token");
        AuditClientConfig config = AuditClientConfig.builder()
                .datastorageUrl(server.url())
                .serviceName("svc")
                .tokenFile(missing)
                .build();

        assertThatThrownBy(() -> HttpBatchSink.create(config, CLOCK))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("audit.auth.token_file: cannot read " + missing);
    }

    @Test
    void resolvesTheBatchPathAgainstABaseUrlWithATrailingSlash() throws Exception {
        new HttpBatchSink(URI.create(server.url() + "/"), Duration.ofSeconds(5), null, "svc", CLOCK).send(events(1));

        assertThat(server.requests.get(0).path()).isEqualTo("/api/v1/audit/events/batch");
    }

    @Test
    void reads200WithPerItemRejections() throws Exception {
        List<AuditEvent> events = events(3);
        server.handler((request, n) -> new TestDataStorage.Response(
                200,
                Map.of(),
                "{\"created\":1,\"duplicates\":1,\"rejected\":1,\"results\":["
                        + "{\"index\":0,\"event_id\":\"" + events.get(0).eventId() + "\",\"status\":\"duplicate\"},"
                        + "{\"index\":2,\"event_id\":\"" + events.get(2).eventId()
                        + "\",\"status\":\"rejected\",\"error\":{\"field\":\"event_type\",\"detail\":\"bad\"}}]}"));

        SendOutcome outcome = sink().send(events);

        assertThat(outcome.status()).isEqualTo(200);
        assertThat(outcome.response().results()).hasSize(2);
        assertThat(outcome.response().results().get(1).status()).isEqualTo(ItemStatus.REJECTED);
        assertThat(outcome.response().results().get(1).error().field()).isEqualTo("event_type");
    }

    @Test
    void reads202AsStoredInTheServerFallbackSpool() throws Exception {
        server.handler((request, n) -> new TestDataStorage.Response(
                202, Map.of(), "{\"created\":2,\"duplicates\":0,\"rejected\":0,\"results\":[]}"));

        SendOutcome outcome = sink().send(events(2));

        assertThat(outcome.status()).isEqualTo(202);
        assertThat(outcome.response().created()).isEqualTo(2);
    }

    @Test
    void keepsA2xxWithAnUnreadableBodyAsStored() throws Exception {
        server.handler((request, n) -> new TestDataStorage.Response(200, Map.of(), "not json"));

        SendOutcome outcome = sink().send(events(1));

        assertThat(outcome.status()).isEqualTo(200);
        assertThat(outcome.response()).isNull();
    }

    @ParameterizedTest
    @ValueSource(ints = {400, 401, 403, 404, 413, 500, 502, 504})
    void reportsAnErrorStatusWithTheProblemDetail(int status) throws Exception {
        server.handler((request, n) -> TestDataStorage.problem(status, "because " + status, Map.of()));

        SendOutcome outcome = sink().send(events(1));

        assertThat(outcome.status()).isEqualTo(status);
        assertThat(outcome.detail()).isEqualTo("because " + status);
        assertThat(outcome.response()).isNull();
    }

    @Test
    void readsRetryAfterInSeconds() throws Exception {
        server.handler((request, n) -> TestDataStorage.problem(429, "overloaded", Map.of("Retry-After", "7")));

        SendOutcome outcome = sink().send(events(1));

        assertThat(outcome.status()).isEqualTo(429);
        assertThat(outcome.retryAfter()).isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void readsRetryAfterAsAnHttpDate() throws Exception {
        String date =
                DateTimeFormatter.RFC_1123_DATE_TIME.format(NOW.plusSeconds(30).atZone(ZoneOffset.UTC));
        server.handler((request, n) -> TestDataStorage.problem(503, "unavailable", Map.of("Retry-After", date)));

        SendOutcome outcome = sink().send(events(1));

        assertThat(outcome.status()).isEqualTo(503);
        assertThat(outcome.retryAfter()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void ignoresAnUnreadableRetryAfter() {
        assertThat(sink().parseRetryAfter("soon")).isNull();
        assertThat(sink().parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT")).isEqualTo(Duration.ZERO);
    }

    @Test
    void readsTheServerLimitHeaders() throws Exception {
        server.handler((request, n) -> new TestDataStorage.Response(
                200,
                Map.of(ServerLimits.HEADER_MAX_BATCH_SIZE, "500", ServerLimits.HEADER_MAX_REQUEST_BYTES, "1048576"),
                "{\"created\":1,\"duplicates\":0,\"rejected\":0,\"results\":[]}"));

        SendOutcome outcome = sink().send(events(1));

        assertThat(outcome.maxBatchSize()).isEqualTo(500);
        assertThat(outcome.maxRequestBytes()).isEqualTo(1_048_576L);
    }

    @Test
    void fetchesTheServerLimits() throws Exception {
        server.limits("{\"max_batch_size\":500,\"max_request_bytes\":1048576,\"max_event_data_bytes\":262144}");

        assertThat(sink().fetchLimits()).contains(new ServerLimits(500, 1_048_576L, 262_144));
    }

    @Test
    void fetchesNoLimitsFromAServerWithoutTheLimitsEndpoint() throws Exception {
        assertThat(sink().fetchLimits()).isEmpty();
    }

    @Test
    void throwsIOExceptionWhenTheConnectionIsReset() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread resetter = new Thread(() -> {
                try (Socket s = listener.accept()) {
                    s.getInputStream().read(new byte[64]);
                    s.setSoLinger(true, 0); // close with RST
                } catch (IOException ignored) {
                    // the test only cares about the client side
                }
            });
            resetter.start();
            HttpBatchSink sink = new HttpBatchSink(
                    URI.create("http://127.0.0.1:" + listener.getLocalPort()),
                    Duration.ofSeconds(5),
                    null,
                    "svc",
                    CLOCK);

            assertThatThrownBy(() -> sink.send(events(1))).isInstanceOf(IOException.class);
            resetter.join();
        }
    }

    @Test
    void throwsHttpTimeoutExceptionWhenTheAnswerTakesLongerThanTheTimeout() {
        server.handler((request, n) -> {
            hang.await();
            return TestDataStorage.allCreated(request, n);
        });
        HttpBatchSink sink = new HttpBatchSink(server.url(), Duration.ofMillis(300), null, "svc", CLOCK);

        long start = System.nanoTime();
        assertThatThrownBy(() -> sink.send(events(1))).isInstanceOf(HttpTimeoutException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void gzipJsonProducesTheWireEnvelope() throws Exception {
        byte[] gz = HttpBatchSink.gzipJson(List.of(event(1)));
        String json =
                new String(new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(gz)).readAllBytes());

        assertThat(json).startsWith("{\"events\":[{\"event_id\":");
    }
}
