package dev.auditline.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.auditline.client.BufferedAuditStore;
import dev.auditline.datastorage.store.TestPostgres;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * DataStorage killed with {@code SIGKILL} mid-stream (a child JVM: no drain, connections cut,
 * requests lost between commit and answer) and started again on the same port. The client retries
 * through the gap; a batch that was committed but never answered is resent and comes back as
 * duplicates, so nothing is lost and nothing is stored twice.
 */
class DataStorageKilledIT {
    private static final String ID = "datastorage-killed";
    private static final int MAX_RETRIES = 30;

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void survivesDataStorageKilledAndRestartedOnTheSamePort() throws Exception {
        TestPostgres.Database db = TestPostgres.shared().createDatabase();
        AuditDatabase database = new AuditDatabase(db);
        Path dir = Path.of(System.getProperty("auditline.reliability.dir", "target/reliability"))
                .resolveSibling("datastorage-killed");
        try (ChildDataStorage server = ChildDataStorage.prepare(db, dir)) {
            server.start();
            // Enough retries with a 2 s cap to outlast a JVM restart (several seconds on a busy machine).
            try (BufferedAuditStore store = BufferedAuditStore.create(ScenarioRun.clientConfig(server.baseUrl(), ID)
                            .maxRetries(MAX_RETRIES)
                            .maxBackoff(Duration.ofSeconds(2))
                            .build());
                    ScenarioRun run = ScenarioRun.start(ID, store, database, server.baseUrl(), 2500)) {
                run.awaitStored(12_000);
                long ackedBefore = store.stats().acked();
                long inFlightAtKill = store.stats().inFlightEvents();
                long killNanos = System.nanoTime();
                server.kill();
                server.start();
                Duration downtime = Duration.ofNanos(System.nanoTime() - killNanos);
                CompletableFuture<Duration> drain = run.measureDrain();
                ScenarioRun.Outcome outcome = run.finish();

                assertThat(outcome.stats().droppedTotal())
                        .as("dropped: %s", outcome.stats())
                        .isZero();
                long duplicates = new EventQueries(server.baseUrl()).duplicatesIngested();
                assertThat(outcome.stats().retries())
                        .as("requests retried across the restart")
                        .isPositive();

                ReliabilityReport.record(ScenarioResult.of(
                        ID,
                        "DataStorage SIGKILLed mid-stream, restarted on the same port",
                        outcome.stats(),
                        outcome.counts(),
                        drain.get(),
                        run.probe().latencies(Instant.EPOCH),
                        outcome.commitLag(),
                        outcome.run(),
                        "DataStorage (child JVM) SIGKILLed after " + ackedBefore + " acks with " + inFlightAtKill
                                + " events in flight, back on the same port after " + downtime.toMillis()
                                + " ms (new JVM, pool, readyz). max_retries " + MAX_RETRIES
                                + ", backoff 200 ms…2 s full jitter; "
                                + outcome.stats().retries()
                                + " retries, "
                                + outcome.stats().sendsByStatusClass().get("network")
                                + " attempts without an answer; the restarted server answered " + duplicates
                                + " resent events as duplicates (committed before the kill, answer lost), none stored"
                                + " twice. Visibility and commit lag include the downtime."
                                + " Drain = from the restart until the backlog was acked."));
            }
        }
    }
}
