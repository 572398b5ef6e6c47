package dev.auditline.e2e;

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
 * A routine restart gone hard, at the default client configuration: DataStorage (a child JVM) is
 * killed with {@code SIGKILL} mid-stream at 1,000 events/s (no drain, connections cut, a batch
 * possibly committed but never answered) and is back on the same port about 8 s later. Nothing may
 * be dropped and nothing stored twice: the ids in PostgreSQL are exactly the ids stored.
 */
class DataStorageKilledIT {
    private static final String ID = "datastorage-killed";
    private static final Duration DOWN = Duration.ofSeconds(8);
    private static final double RATE = 1000;
    private static final long EVENTS = 25_000;

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void defaultClientLosesNothingWhenDataStorageIsKilledAndBackAfterEightSeconds() throws Exception {
        TestPostgres.Database db = TestPostgres.shared().createDatabase();
        AuditDatabase database = new AuditDatabase(db);
        Path dir = Path.of(System.getProperty("auditline.reliability.dir", "target/reliability"))
                .resolveSibling(ID);
        try (ChildDataStorage server = ChildDataStorage.prepare(db, dir)) {
            server.start();
            try (BufferedAuditStore store = BufferedAuditStore.create(
                            ScenarioRun.defaults(server.baseUrl(), ID).build());
                    ScenarioRun run = ScenarioRun.start(ID, store, database, server.baseUrl(), RATE, EVENTS)) {
                run.awaitStored(8_000);
                long ackedBefore = store.stats().acked();
                long inFlightAtKill = store.stats().inFlightEvents();
                long killNanos = System.nanoTime();
                server.kill();
                // Paces the fault, waits for no result: the new JVM is launched DOWN after the kill,
                // so the server is away at least that long (its start-up comes on top).
                long launchIn = killNanos + DOWN.toNanos() - System.nanoTime();
                if (launchIn > 0) {
                    TimeUnit.NANOSECONDS.sleep(launchIn);
                }
                server.start();
                Duration downtime = Duration.ofNanos(System.nanoTime() - killNanos);
                CompletableFuture<Duration> drain = run.measureDrain();
                ScenarioRun.Outcome outcome = run.finish();
                long duplicates = new EventQueries(server.baseUrl()).duplicatesIngested();

                ReliabilityReport.record(ScenarioResult.of(
                        ID,
                        "DataStorage SIGKILLed, back on the same port after 8 s",
                        outcome,
                        drain.get(),
                        run.probe().latencies(Instant.EPOCH),
                        outcome.commitLag(),
                        EVENTS + " events at " + (long) RATE + "/s from " + ScenarioRun.THREADS + " threads."
                                + " DataStorage (child JVM) SIGKILLed after " + ackedBefore + " acks with "
                                + inFlightAtKill + " events in flight, a new JVM launched on the"
                                + " same port " + DOWN.toMillis() + " ms after the kill and ready "
                                + downtime.toMillis() + " ms after it (pool, readyz). Client sends by"
                                + " status class " + outcome.stats().sendsByStatusClass() + ", "
                                + outcome.stats().retries() + " retries; the restarted server answered "
                                + duplicates + " resent events as duplicates (committed before the kill, answer"
                                + " lost). Visibility and commit lag include the downtime. Drain = from the"
                                + " restarted server's readiness until every event stored before it was"
                                + " terminal."));
                ScenarioRun.assertDefaultsRodeItOut(ID, outcome);
            }
        }
    }
}
