package dev.auditline.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.auditline.client.BufferedAuditStore;
import dev.auditline.datastorage.DataStorage;
import dev.auditline.datastorage.store.TestPostgres;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * DataStorage answering {@code 429} and {@code 503} with {@code Retry-After} for 10 s (through
 * {@link HttpFaultFront}) at 1,000 events/s, with the default client configuration: the client
 * waits as told before each new request for a batch, and nothing is lost: the ids in PostgreSQL are
 * exactly the ids stored.
 */
class RetryAfterIT {
    private static final String ID = "retry-after";
    private static final Duration WINDOW = Duration.ofSeconds(10);
    private static final double RATE = 1000;
    private static final long EVENTS = 20_000;

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void defaultClientWaitsAsToldAndLosesNothing() throws Exception {
        TestPostgres.Database db = TestPostgres.shared().createDatabase();
        AuditDatabase database = new AuditDatabase(db);
        try (DataStorage server = Servers.dataStorage(db);
                HttpFaultFront front = HttpFaultFront.start(server.baseUrl());
                BufferedAuditStore store = BufferedAuditStore.create(
                        ScenarioRun.defaults(front.url(), ID).build());
                ScenarioRun run = ScenarioRun.start(ID, store, database, server.baseUrl(), RATE, EVENTS)) {
            run.awaitStored(5_000);
            front.answerRetryAfterFor(WINDOW);
            long windowStart = System.nanoTime();
            await("the Retry-After window to pass")
                    .atMost(WINDOW.plusSeconds(5))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> !front.inRetryAfterWindow());
            Duration window = Duration.ofNanos(System.nanoTime() - windowStart);
            CompletableFuture<Duration> drain = run.measureDrain();
            ScenarioRun.Outcome outcome = run.finish();

            List<HttpFaultFront.Exchange> exchanges = front.exchanges();
            RetryCheck check = RetryCheck.of(exchanges);
            ReliabilityReport.record(ScenarioResult.of(
                    ID,
                    "429 / 503 with Retry-After for 10 s",
                    outcome,
                    drain.get(),
                    run.probe().latencies(Instant.EPOCH),
                    outcome.commitLag(),
                    EVENTS + " events at " + (long) RATE + "/s from " + ScenarioRun.THREADS + " threads. For "
                            + window.toMillis() + " ms the HTTP front answered every batch itself: "
                            + answers(exchanges) + "; " + check.retriesChecked()
                            + " requests followed such an answer for the same batch, "
                            + check.violations().size()
                            + " sooner than told (smallest margin beyond the told wait: " + check.minMarginMillis()
                            + " ms). Client sends by status class "
                            + outcome.stats().sendsByStatusClass() + ", "
                            + outcome.stats().retries() + " retries. Drain = from the window's end until every"
                            + " event stored before it was terminal."));
            assertThat(exchanges.stream().filter(e -> e.status() == 429).count())
                    .as("429 answers")
                    .isPositive();
            assertThat(exchanges.stream().filter(e -> e.status() == 503).count())
                    .as("503 answers")
                    .isPositive();
            assertThat(check.retriesChecked())
                    .as("retries after a Retry-After answer")
                    .isPositive();
            assertThat(check.violations()).as("retries sooner than Retry-After").isEmpty();
            ScenarioRun.assertDefaultsRodeItOut(ID, outcome);
        }
    }

    /** The answers the front gave itself, by status and Retry-After, as read from its log. */
    private static String answers(List<HttpFaultFront.Exchange> exchanges) {
        Map<String, Long> counts = new TreeMap<>();
        for (HttpFaultFront.Exchange e : exchanges) {
            if (e.fault() == HttpFaultFront.Fault.RETRY_AFTER) {
                counts.merge(e.status() + " with Retry-After: " + e.retryAfterSeconds(), 1L, Long::sum);
            }
        }
        return counts.entrySet().stream()
                .map(c -> c.getValue() + "× " + c.getKey())
                .collect(Collectors.joining(", "));
    }

    /** Per batch (same first event id): each request after a 429/503 came no sooner than told. */
    record RetryCheck(long retriesChecked, long minMarginMillis, List<String> violations) {
        static RetryCheck of(List<HttpFaultFront.Exchange> exchanges) {
            Map<String, HttpFaultFront.Exchange> previous = new HashMap<>();
            long checked = 0;
            long minMargin = Long.MAX_VALUE;
            List<String> violations = new ArrayList<>();
            for (HttpFaultFront.Exchange e : exchanges) {
                HttpFaultFront.Exchange before = previous.put(e.batchKey(), e);
                if (before == null || before.retryAfterSeconds() == 0) {
                    continue;
                }
                checked++;
                long waitedNanos = e.arrivedNanos() - before.answeredNanos();
                long toldNanos = TimeUnit.SECONDS.toNanos(before.retryAfterSeconds());
                minMargin = Math.min(minMargin, TimeUnit.NANOSECONDS.toMillis(waitedNanos - toldNanos));
                if (waitedNanos < toldNanos) {
                    violations.add("batch " + e.batchKey() + " retried " + TimeUnit.NANOSECONDS.toMillis(waitedNanos)
                            + " ms after a " + before.status() + " with Retry-After: " + before.retryAfterSeconds());
                }
            }
            return new RetryCheck(checked, minMargin == Long.MAX_VALUE ? 0 : minMargin, violations);
        }
    }
}
