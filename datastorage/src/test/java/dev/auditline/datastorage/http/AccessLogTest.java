package dev.auditline.datastorage.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.auditline.datastorage.auth.Authenticator;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * The access log: one INFO line per request with exact fields, for refused requests too, never a
 * query string; and HEAD on {@code /api} takes the same token as GET.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AccessLogTest {
    private static final Pattern LINE = Pattern.compile("method=(\\S+) route=(\\S+) status=(\\d+) client=(\\S+)"
            + " remote=(\\S+) request_bytes=(\\d+) response_bytes=(\\d+) duration_ms=(\\d+)( refused=(\\S+))?");

    private final Logger logger = (Logger) LoggerFactory.getLogger(AccessLog.LOGGER);
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
    private Path tokens;

    @BeforeEach
    void capture() throws Exception {
        lines.start();
        logger.addAppender(lines);
        logger.setLevel(Level.INFO);
        tokens = Files.createTempFile("access-log-tokens", ".yaml");
        Files.writeString(
                tokens,
                "clients:\n  orchestrator:\n    token_sha256: " + Authenticator.sha256Hex("writer-token")
                        + "\n    permissions: [write]\n");
    }

    @AfterEach
    void release() throws Exception {
        logger.detachAppender(lines);
        logger.setLevel(null);
        Files.deleteIfExists(tokens);
    }

    /** The fields of the {@code n}-th line, waiting for it: Jetty logs once the response is complete. */
    private Matcher line(int n) {
        await().atMost(Duration.ofSeconds(10)).until(() -> lines.list.size() > n);
        ILoggingEvent event = lines.list.get(n);
        assertThat(event.getLevel()).isEqualTo(Level.INFO);
        Matcher m = LINE.matcher(event.getFormattedMessage());
        assertThat(m.matches()).as(event.getFormattedMessage()).isTrue();
        return m;
    }

    private static void assertLine(
            Matcher m, String method, String route, int status, String client, long requestBytes, long responseBytes) {
        assertThat(List.of(m.group(1), m.group(2), m.group(3), m.group(4), m.group(5), m.group(6), m.group(7)))
                .containsExactly(
                        method, route, "" + status, client, "127.0.0.1", "" + requestBytes, "" + responseBytes);
        assertThat(Long.parseLong(m.group(8))).isBetween(0L, 10_000L);
    }

    private static long bytes(HttpResponse<String> r) {
        return r.body().getBytes(StandardCharsets.UTF_8).length;
    }

    @Test
    void logsEachRequestWithRouteStatusClientAndBytesButNeverTheQueryString() throws Exception {
        try (LoopbackServer s = LoopbackServer.start(server -> server.withAuthTokensFile(tokens))) {
            HttpResponse<String> unauthorized = s.get("/api/v1/audit/events?correlation_id=s3cr3t-value&limit=5");
            assertLine(line(0), "GET", "/api/v1/audit/events", 401, "-", 0, bytes(unauthorized));

            String batch = batch();
            HttpResponse<String> stored = s.send(HttpRequest.newBuilder(s.uri("/api/v1/audit/events/batch"))
                    .header("Authorization", "Bearer writer-token")
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(batch)));
            assertThat(stored.statusCode()).isEqualTo(200);
            assertLine(
                    line(1),
                    "POST",
                    "/api/v1/audit/events/batch",
                    200,
                    "orchestrator",
                    batch.getBytes(StandardCharsets.UTF_8).length,
                    bytes(stored));

            HttpResponse<String> forbidden = s.send(HttpRequest.newBuilder(s.uri("/api/v1/audit/events?cursor=abc"))
                    .header("Authorization", "Bearer writer-token"));
            assertThat(forbidden.statusCode()).isEqualTo(403);
            assertLine(line(2), "GET", "/api/v1/audit/events", 403, "orchestrator", 0, bytes(forbidden));

            HttpResponse<String> unknown = s.get("/nowhere?token=s3cr3t-value");
            assertLine(line(3), "GET", "-", 404, "-", 0, bytes(unknown));

            assertThat(lines.list).noneMatch(e -> e.getFormattedMessage().contains("s3cr3t"));
        }
    }

    @Test
    void headOnAnApiRouteNeedsTheTokenThatGetNeeds() throws Exception {
        try (LoopbackServer s = LoopbackServer.start(server -> server.withAuthTokensFile(tokens))) {
            HttpResponse<String> head = s.send(HttpRequest.newBuilder(s.uri("/api/v1/audit/events"))
                    .method("HEAD", HttpRequest.BodyPublishers.noBody()));
            HttpResponse<String> headOne =
                    s.send(HttpRequest.newBuilder(s.uri("/api/v1/audit/events/" + UUID.randomUUID()))
                            .method("HEAD", HttpRequest.BodyPublishers.noBody()));
            HttpResponse<String> headWrongPermission = s.send(HttpRequest.newBuilder(s.uri("/api/v1/audit/events"))
                    .header("Authorization", "Bearer writer-token")
                    .method("HEAD", HttpRequest.BodyPublishers.noBody()));

            assertThat(head.statusCode()).isEqualTo(401);
            assertThat(headOne.statusCode()).isEqualTo(401);
            assertThat(headWrongPermission.statusCode()).isEqualTo(403);
            assertThat(line(0).group(2)).isEqualTo("/api/v1/audit/events");
            assertThat(line(0).group(3)).isEqualTo("401");
        }
    }

    @Test
    void aBodyRefusedBeforeItsRouteRanIsLoggedWithTheReason() throws Exception {
        try (LoopbackServer s = LoopbackServer.start(server -> server.withConnections(server.connections()
                        .withBodyTimeout(Duration.ofSeconds(1))
                        .withMinRequestDataRate(0)));
                Socket u = s.openUpload("/api/v1/audit/events/batch", 100)) {
            LoopbackServer.trickle(u, "{\"events\"".getBytes(StandardCharsets.US_ASCII));
            String answer = LoopbackServer.readAnswer(u);

            assertThat(LoopbackServer.status(answer)).isEqualTo(408);
            Matcher m = line(0);
            assertThat(List.of(m.group(1), m.group(2), m.group(3), m.group(4), m.group(10)))
                    .containsExactly("POST", "-", "408", "-", "body_timeout");
            assertThat(m.group(6)).isEqualTo("9");
        }
    }

    @Test
    void logsNothingWhenSwitchedOff() throws Exception {
        try (LoopbackServer s = LoopbackServer.start(server -> server.withAccessLog(false))) {
            assertThat(s.get("/healthz").statusCode()).isEqualTo(200);
            assertThat(s.get("/nowhere").statusCode()).isEqualTo(404);
            // Jetty logs a response as it completes, before it reads the next request on the connection
            assertThat(s.get("/healthz").statusCode()).isEqualTo(200);
            assertThat(lines.list).isEmpty();
        }
    }

    private static String batch() {
        String now = Instant.now().truncatedTo(ChronoUnit.MICROS).toString();
        return "{\"events\":[{\"event_id\":\"" + UUID.randomUUID() + "\",\"version\":\"1.0\","
                + "\"event_type\":\"access.log.tested\",\"event_category\":\"test\",\"event_action\":\"tested\","
                + "\"event_outcome\":\"success\",\"event_timestamp\":\"" + now + "\",\"correlation_id\":\"c-1\","
                + "\"actor_type\":\"service\",\"actor_id\":\"test\",\"resource_type\":\"thing\","
                + "\"resource_id\":\"r-1\",\"event_data\":{}}]}";
    }
}
