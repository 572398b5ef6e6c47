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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * DataStorage answering {@code 429} and {@code 503} with {@code Retry-After} for 10 s (through
 * {@link HttpFaultFront}): the client waits as told before each retry, and nothing is lost.
 */
class RetryAfterIT {
    private static final String ID = "retry-after";
    private static final Duration WINDOW = Duration.ofSeconds(10);

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void retriesNoSoonerThanRetryAfterAndLosesNothing() throws Exception {
        TestPostgres.Database db = TestPostgres.shared().createDatabase();
        AuditDatabase database = new AuditDatabase(db);
        try (DataStorage server = Servers.dataStorage(db);
                HttpFaultFront front = HttpFaultFront.start(server.baseUrl());
                BufferedAuditStore store = BufferedAuditStore.create(
                        ScenarioRun.clientConfig(front.url(), ID).maxRetries(10).build());
                ScenarioRun run = ScenarioRun.start(ID, store, database, server.baseUrl(), 2500)) {
            run.awaitStored(10_000);
            front.answerRetryAfterFor(WINDOW);
            await("the Retry-After window to pass")
                    .atMost(WINDOW.plusSeconds(5))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> !front.inRetryAfterWindow());
            CompletableFuture<Duration> drain = run.measureDrain();
            ScenarioRun.Outcome outcome = run.finish();

            List<HttpFaultFront.Exchange> exchanges = front.exchanges();
            RetryCheck check = RetryCheck.of(exchanges);
            long answered429 = exchanges.stream().filter(e -> e.status() == 429).count();
            long answered503 = exchanges.stream().filter(e -> e.status() == 503).count();
            assertThat(answered429).as("429 answers").isPositive();
            assertThat(answered503).as("503 answers").isPositive();
            assertThat(check.retriesChecked())
                    .as("retries after a Retry-After answer")
                    .isPositive();
            assertThat(check.violations()).as("retries sooner than Retry-After").isEmpty();
            assertThat(outcome.stats().droppedTotal())
                    .as("dropped: %s", outcome.stats())
                    .isZero();

            ReliabilityReport.record(ScenarioResult.of(
                    ID,
                    "429 / 503 with Retry-After for 10 s",
                    outcome.stats(),
                    outcome.counts(),
                    drain.get(),
                    run.probe().latencies(Instant.EPOCH),
                    outcome.commitLag(),
                    outcome.run(),
                    "HTTP front answered " + answered429 + "×429 (Retry-After: 2) and " + answered503
                            + "×503 (Retry-After: 3) during the 10 s window; " + check.retriesChecked()
                            + " retries followed such an answer, none sooner than told (smallest wait "
                            + check.minWaitMillis() + " ms after a Retry-After: 2, the client's full-jitter backoff"
                            + " never undercut the header); max_retries 10, "
                            + outcome.stats().retries()
                            + " retries in all; drain = from the window's end until the backlog was acked."));
        }
    }

    /** Per batch (same first event id): each request after a 429/503 came no sooner than told. */
    record RetryCheck(long retriesChecked, long minWaitMillis, List<String> violations) {
        static RetryCheck of(List<HttpFaultFront.Exchange> exchanges) {
            Map<String, HttpFaultFront.Exchange> previous = new HashMap<>();
            long checked = 0;
            long minWait = Long.MAX_VALUE;
            List<String> violations = new ArrayList<>();
            for (HttpFaultFront.Exchange e : exchanges) {
                HttpFaultFront.Exchange before = previous.put(e.batchKey(), e);
                if (before == null || before.retryAfterSeconds() == 0) {
                    continue;
                }
                checked++;
                long waitedNanos = e.arrivedNanos() - before.answeredNanos();
                long toldNanos = TimeUnit.SECONDS.toNanos(before.retryAfterSeconds());
                if (before.retryAfterSeconds() == 2) {
                    minWait = Math.min(minWait, TimeUnit.NANOSECONDS.toMillis(waitedNanos));
                }
                if (waitedNanos < toldNanos) {
                    violations.add("batch " + e.batchKey() + " retried " + TimeUnit.NANOSECONDS.toMillis(waitedNanos)
                            + " ms after a " + before.status() + " with Retry-After: " + before.retryAfterSeconds());
                }
            }
            return new RetryCheck(checked, minWait == Long.MAX_VALUE ? 0 : minWait, violations);
        }
    }
}
