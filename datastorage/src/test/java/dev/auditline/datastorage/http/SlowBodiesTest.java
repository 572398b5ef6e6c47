package dev.auditline.datastorage.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.auditline.datastorage.config.ConnectionLimits;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Slow and heavy bodies against a real server on loopback: trickling uploads are answered 408 and
 * never starve {@code /healthz}; a body over the byte budget is refused 429 unread.
 */
class SlowBodiesTest {
    private static final int SLOW_CONNECTIONS = 260;

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void twoHundredSixtyTricklingUploadsGet408WhileHealthzAnswersWithinOneSecond() throws Exception {
        try (LoopbackServer s = LoopbackServer.start(server -> server)) {
            ConcurrentLinkedQueue<Long> healthMillis = new ConcurrentLinkedQueue<>();
            ConcurrentLinkedQueue<String> healthFailures = new ConcurrentLinkedQueue<>();
            AtomicBoolean sampling = new AtomicBoolean(true);
            CountDownLatch sampled = new CountDownLatch(10);
            Thread sampler = new Thread(() -> {
                while (sampling.get()) {
                    long start = System.nanoTime();
                    try {
                        HttpResponse<String> r = s.http.send(
                                HttpRequest.newBuilder(s.uri("/healthz"))
                                        .timeout(Duration.ofSeconds(1))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() != 200) {
                            healthFailures.add("status " + r.statusCode());
                        }
                    } catch (Exception e) {
                        healthFailures.add(e.toString());
                    }
                    healthMillis.add((System.nanoTime() - start) / 1_000_000);
                    sampled.countDown();
                    try {
                        Thread.sleep(200); // the sampling period, not a wait for a result
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            sampler.start();

            List<Socket> uploads = new ArrayList<>();
            try {
                for (int i = 0; i < SLOW_CONNECTIONS; i++) {
                    Socket u = s.openUpload("/api/v1/audit/events/batch", 1000);
                    LoopbackServer.trickle(u, new byte[] {'{'});
                    uploads.add(u);
                }
                // one byte per connection every 400 ms, as a slowloris client sends; stops when all are answered
                await().atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(400))
                        .until(() -> {
                            boolean anyOpen = false;
                            for (Socket u : uploads) {
                                anyOpen |= LoopbackServer.trickle(u, new byte[] {' '});
                            }
                            return !anyOpen
                                    || s.metric("audit_http_slow_bodies_requests_total", "reason=\"data_rate\"")
                                            >= SLOW_CONNECTIONS;
                        });
                List<Integer> statuses = new ArrayList<>();
                for (Socket u : uploads) {
                    String answer = LoopbackServer.readAnswer(u);
                    statuses.add(LoopbackServer.status(answer));
                }
                assertThat(statuses).hasSize(SLOW_CONNECTIONS).containsOnly(408);
                assertThat(s.metric("audit_http_slow_bodies_requests_total", "reason=\"data_rate\""))
                        .isEqualTo(SLOW_CONNECTIONS);
                sampled.await(10, TimeUnit.SECONDS);
            } finally {
                sampling.set(false);
                sampler.interrupt();
                sampler.join();
                for (Socket u : uploads) {
                    u.close();
                }
            }
            assertThat(healthFailures).isEmpty();
            assertThat(healthMillis).isNotEmpty().allSatisfy(ms -> assertThat(ms)
                    .isLessThan(1000));
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void aBodyThatKeepsTheRateButNotTheDeadlineGets408NamingBodyTimeout() throws Exception {
        try (LoopbackServer s = LoopbackServer.start(server -> server.withConnections(server.connections()
                        .withBodyTimeout(Duration.ofSeconds(1))
                        .withMinRequestDataRate(0)));
                Socket u = s.openUpload("/api/v1/audit/events/batch", 10_000)) {
            long start = System.nanoTime();
            await().atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> !LoopbackServer.trickle(u, "          ".getBytes(StandardCharsets.US_ASCII))
                            || s.metric("audit_http_slow_bodies_requests_total", "reason=\"body_timeout\"") == 1);
            String answer = LoopbackServer.readAnswer(u);

            assertThat(LoopbackServer.status(answer)).isEqualTo(408);
            assertThat(answer)
                    .contains("application/problem+json")
                    .contains("\"type\":\"https://auditline.dev/problems/request-timeout\"")
                    .contains("server.body_timeout 1000 ms")
                    .contains("\"limit\":1000");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            assertThat(s.metric("audit_http_slow_bodies_requests_total", "reason=\"body_timeout\""))
                    .isEqualTo(1);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aBodyThatDoesNotFitTheByteBudgetIs429NamingTheKeyAndTheLimitUntilTheBudgetFrees() throws Exception {
        long limit = 64 * 1024;
        try (LoopbackServer s = LoopbackServer.start(server -> server.withLimits(server.maxBatchSize(), limit)
                .withConnections(new ConnectionLimits(Duration.ofSeconds(30), 0, limit)))) {
            String body = "{\"events\":[]}" + " ".repeat(10_000);
            HttpRequest.Builder post = HttpRequest.newBuilder(s.uri("/api/v1/audit/events/batch"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body));
            try (Socket holder = s.openUpload("/api/v1/audit/events/batch", 60_000)) {
                LoopbackServer.trickle(holder, "{".getBytes(StandardCharsets.US_ASCII));
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> s.metric("audit_http_body_in_flight_bytes") == 60_000);

                HttpResponse<String> refused = s.send(post);

                assertThat(refused.statusCode()).isEqualTo(429);
                assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
                assertThat(refused.body())
                        .contains("server.max_body_bytes_in_flight " + limit)
                        .contains("a body of " + body.length() + " bytes")
                        .contains("\"limit\":" + limit);
                assertThat(s.metric("audit_http_body_budget_refused_requests_total"))
                        .isEqualTo(1);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> s.metric("audit_http_body_in_flight_bytes") == 0);
            // the budget is free again: the same body reaches its route (no events: a 400 from the route itself)
            HttpResponse<String> admitted = s.send(post);
            assertThat(admitted.statusCode()).isEqualTo(400);
            assertThat(admitted.body()).contains("events");
        }
    }
}
