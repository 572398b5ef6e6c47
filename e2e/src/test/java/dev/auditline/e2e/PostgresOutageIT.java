package dev.auditline.e2e;

import dev.auditline.client.BufferedAuditStore;
import dev.auditline.datastorage.DataStorage;
import dev.auditline.datastorage.store.TestPostgres;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * PostgreSQL stopped for 20 s at 1,000 events/s and started again, with the default client
 * configuration and no spool anywhere: DataStorage answers that it is unavailable meanwhile, the
 * client holds its batches and the backlog, and when the database is back everything is delivered.
 * The ids in PostgreSQL are exactly the ids stored.
 */
class PostgresOutageIT {
    private static final String ID = "postgres-down-no-spool";
    private static final Duration OUTAGE = Duration.ofSeconds(20);
    private static final double RATE = 1000;
    private static final long EVENTS = 35_000;

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void defaultClientLosesNothingThroughATwentySecondDatabaseOutage() throws Exception {
        // A server of its own: the shared one must not be stopped under other tests.
        try (TestPostgres postgres = TestPostgres.startEmbedded()) {
            TestPostgres.Database db = postgres.createDatabase();
            AuditDatabase database = new AuditDatabase(db);
            try (DataStorage server = Servers.dataStorage(db);
                    BufferedAuditStore store = BufferedAuditStore.create(
                            ScenarioRun.defaults(server.baseUrl(), ID).build());
                    // before, during and after the outage
                    ScenarioRun run = ScenarioRun.start(ID, store, database, server.baseUrl(), RATE, EVENTS)) {
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
                long bufferedAtRestart = store.stats().bufferedEvents();
                postgres.start();
                Duration outage = Duration.between(stopped, Instant.now());
                CompletableFuture<Duration> drain = run.measureDrain();
                ScenarioRun.Outcome outcome = run.finish();

                ReliabilityReport.record(ScenarioResult.of(
                        ID,
                        "PostgreSQL stopped 20 s, no spool anywhere",
                        outcome,
                        drain.get(),
                        run.probe().latencies(Instant.EPOCH),
                        outcome.commitLag(),
                        EVENTS + " events at " + (long) RATE + "/s from " + ScenarioRun.THREADS + " threads."
                                + " PostgreSQL down " + outage.toMillis() + " ms (fast shutdown, restarted on the"
                                + " same port); " + ackedBefore + " events acked before it stopped, "
                                + bufferedAtRestart + " buffered in the client when it came back. No server"
                                + " fallback spool, no client spool. Client sends by status class "
                                + outcome.stats().sendsByStatusClass() + ", "
                                + outcome.stats().retries()
                                + " retries. Visibility and commit lag include the outage. Drain = from the restart"
                                + " until every event stored before it was terminal."));
                ScenarioRun.assertDefaultsRodeItOut(ID, outcome);
            }
        }
    }
}
