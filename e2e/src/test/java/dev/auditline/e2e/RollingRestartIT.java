package dev.auditline.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.auditline.client.BufferedAuditStore;
import dev.auditline.datastorage.store.TestPostgres;
import dev.auditline.testkit.FaultProxy;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two DataStorage replicas (child JVMs on one database) behind a round-robin front ({@link
 * FaultProxy#startRoundRobin}: no health check, no failover, as a balancer that has not noticed yet)
 * and a rolling restart of both at 1,000 events/s: the first is stopped ({@code SIGTERM}) and
 * started again, then the second. With the default client configuration nothing may be dropped
 * and nothing stored twice: the ids in PostgreSQL are exactly the ids stored.
 */
class RollingRestartIT {
    private static final String ID = "rolling-restart";
    private static final double RATE = 1000;
    private static final long EVENTS = 30_000;

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void defaultClientLosesNothingThroughARollingRestartOfTwoReplicas() throws Exception {
        TestPostgres.Database db = TestPostgres.shared().createDatabase();
        AuditDatabase database = new AuditDatabase(db);
        Path dir = Path.of(System.getProperty("auditline.reliability.dir", "target/reliability"))
                .resolveSibling(ID);
        try (ChildDataStorage first = ChildDataStorage.prepare(db, dir.resolve("replica-1"));
                ChildDataStorage second = ChildDataStorage.prepare(db, dir.resolve("replica-2"))) {
            first.start();
            second.start();
            try (FaultProxy front = FaultProxy.startRoundRobin(List.of(
                            new InetSocketAddress("127.0.0.1", first.port()),
                            new InetSocketAddress("127.0.0.1", second.port())));
                    BufferedAuditStore store = BufferedAuditStore.create(
                            ScenarioRun.defaults(front.url(), ID).build());
                    ScenarioRun run = ScenarioRun.start(ID, store, database, front.url(), RATE, EVENTS)) {
                run.awaitStored(5_000);
                long restartNanos = System.nanoTime();
                Duration firstDown = restart(first);
                Duration secondDown = restart(second);
                Duration rolling = Duration.ofNanos(System.nanoTime() - restartNanos);
                CompletableFuture<Duration> drain = run.measureDrain();
                ScenarioRun.Outcome outcome = run.finish();

                ReliabilityReport.record(ScenarioResult.of(
                        ID,
                        "Two DataStorage replicas behind a round-robin front, rolling restart of both",
                        outcome,
                        drain.get(),
                        run.probe().latencies(Instant.EPOCH),
                        outcome.commitLag(),
                        EVENTS + " events at " + (long) RATE + "/s from " + ScenarioRun.THREADS + " threads."
                                + " Two DataStorage child JVMs on one database behind a FaultProxy that sends each"
                                + " new connection to the next replica in turn, without health checks or failover."
                                + " Rolling restart: replica 1 stopped (SIGTERM) and ready again after "
                                + firstDown.toMillis() + " ms, then replica 2 after " + secondDown.toMillis()
                                + " ms; " + rolling.toMillis() + " ms in all. The front assigned "
                                + front.connectionsTo(0) + " connections to replica 1 and " + front.connectionsTo(1)
                                + " to replica 2 and reset " + front.resets() + " (assigned to a replica that was"
                                + " down). Client sends by status class "
                                + outcome.stats().sendsByStatusClass()
                                + ", " + outcome.stats().retries() + " retries. Probes are queried through the"
                                + " front too. Drain = from the second replica's readiness until every event stored"
                                + " before it was terminal."));
                assertThat(front.connectionsTo(0) + front.connectionsTo(1))
                        .as("connections through the front")
                        .isPositive();
                ScenarioRun.assertDefaultsRodeItOut(ID, outcome);
            }
        }
    }

    /** Stops a replica as a rolling restart does ({@code SIGTERM}) and starts it again; how long it was down. */
    private static Duration restart(ChildDataStorage replica) {
        long stopNanos = System.nanoTime();
        replica.stop();
        replica.start();
        return Duration.ofNanos(System.nanoTime() - stopNanos);
    }
}
