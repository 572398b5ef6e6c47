package dev.auditline.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.auditline.client.BufferedAuditStore;
import dev.auditline.client.DropReason;
import dev.auditline.datastorage.DataStorage;
import dev.auditline.datastorage.store.TestPostgres;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * PostgreSQL stopped for 20 s and started again, with neither the server's fallback spool nor the
 * client spool: DataStorage answers {@code 503} meanwhile, the client retries with backoff, and
 * batches whose retries run out are dropped ({@code retries_exhausted}) and counted, never lost
 * silently. The retry budget is sized so that most of the backlog survives.
 */
class PostgresOutageIT {
    private static final String ID = "postgres-down-no-spool";
    private static final Duration OUTAGE = Duration.ofSeconds(20);
    /**
     * 5 attempts at ≥ 3 s each (DataStorage's 2 s connection timeout, then at least its {@code
     * Retry-After: 1}) cannot outlast a 20 s outage: the batches in flight when the database stops
     * run out of retries, while the backlog behind them waits in the buffer and survives.
     */
    private static final int MAX_RETRIES = 4;

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void countsEveryEventThroughATwentySecondDatabaseOutage() throws Exception {
        // A server of its own: the shared one must not be stopped under other tests.
        try (TestPostgres postgres = TestPostgres.startEmbedded()) {
            TestPostgres.Database db = postgres.createDatabase();
            AuditDatabase database = new AuditDatabase(db);
            try (DataStorage server = Servers.dataStorage(db);
                    BufferedAuditStore store = BufferedAuditStore.create(ScenarioRun.clientConfig(server.baseUrl(), ID)
                            .maxRetries(MAX_RETRIES)
                            .initialBackoff(Duration.ofMillis(500))
                            .maxBackoff(Duration.ofSeconds(4))
                            .build());
                    // 50,000 events over ~30 s: before, during and after the outage.
                    ScenarioRun run = ScenarioRun.start(ID, store, database, server.baseUrl(), 1700)) {
                run.awaitStored(8_000);
                long ackedBefore = store.stats().acked();
                long stopNanos = System.nanoTime();
                Instant stopped = Instant.now();
                postgres.stop();
                // Stopping takes a moment; the outage lasts 20 s from the stop command on. This
                // sleep paces the fault, it does not wait for a result.
                long left = stopNanos + OUTAGE.toNanos() - System.nanoTime();
                if (left > 0) {
                    TimeUnit.NANOSECONDS.sleep(left);
                }
                postgres.start();
                Duration outage = Duration.between(stopped, Instant.now());
                CompletableFuture<Duration> drain = run.measureDrain();
                ScenarioRun.Outcome outcome = run.finish();

                long dropped = outcome.stats().droppedTotal();
                assertThat(outcome.stats().dropped())
                        .as("only retries_exhausted drops")
                        .allSatisfy((reason, n) -> assertThat(reason == DropReason.RETRIES_EXHAUSTED || n == 0)
                                .as("%s=%s", reason, n)
                                .isTrue());
                assertThat(outcome.stats().dropped(DropReason.RETRIES_EXHAUSTED))
                        .as("batches in flight during the outage ran out of retries, and were counted")
                        .isPositive();
                assertThat(outcome.stats().acked())
                        .as("most events survive the outage")
                        .isGreaterThan(outcome.stats().enqueued() * 3 / 4);
                assertThat(outcome.stats().sendsByStatusClass().get("5xx"))
                        .as("503s seen while the database was down")
                        .isPositive();

                ReliabilityReport.record(ScenarioResult.of(
                        ID,
                        "PostgreSQL stopped 20 s, no server spool, no client spool",
                        outcome.stats(),
                        outcome.counts(),
                        drain.get(),
                        run.probe().latencies(Instant.EPOCH),
                        outcome.commitLag(),
                        outcome.run(),
                        "PostgreSQL down " + outage.toMillis() / 1000.0 + " s (fast shutdown, restarted on the same"
                                + " port); " + ackedBefore + " events acked before it stopped. DataStorage answered "
                                + outcome.stats().sendsByStatusClass().get("5xx") + " requests with 5xx (503 +"
                                + " Retry-After: 1, after its 2 s connection timeout); max_retries " + MAX_RETRIES
                                + ", backoff 500 ms…4 s full jitter; "
                                + outcome.stats().retries()
                                + " retries. " + dropped + " events dropped as retries_exhausted ("
                                + String.format(
                                        Locale.ROOT,
                                        "%.1f%%",
                                        100.0 * dropped / outcome.stats().enqueued())
                                + ", the batches in flight when the database stopped): without a spool this is the"
                                + " designed, counted loss, and none of them is in PostgreSQL (rows = acked); the"
                                + " backlog behind them waited in the buffer and was delivered. Visibility and commit"
                                + " lag include the outage. Drain = from the restart until the backlog was"
                                + " terminal."));
            }
        }
    }
}
