package dev.auditline.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.auditline.client.BufferedAuditStore;
import dev.auditline.datastorage.DataStorage;
import dev.auditline.datastorage.store.TestPostgres;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * "Acknowledged only after COMMIT", tested the hard way: PostgreSQL (durable: {@code fsync=on},
 * {@code full_page_writes=on}) loses its postmaster to {@code SIGKILL} mid-stream at 1,000 events/s
 * and comes back through crash recovery. Every id DataStorage acknowledged to the client (read off
 * the wire by {@link HttpFaultFront}, in pass-through mode, and checked against the client's own
 * acked count) must be in PostgreSQL afterwards; and, at the default client configuration, every id
 * stored, once.
 */
class PostgresCrashIT {
    private static final String ID = "postgres-crash";
    private static final double RATE = 1000;
    private static final long EVENTS = 20_000;

    private static long notStored(BufferedAuditStore store) {
        return store.stats().sendsByStatusClass().entrySet().stream()
                .filter(e -> !e.getKey().equals("2xx"))
                .mapToLong(e -> e.getValue())
                .sum();
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void everyAcknowledgedEventSurvivesAPostmasterCrash() throws Exception {
        try (TestPostgres postgres = TestPostgres.startEmbeddedDurable()) {
            TestPostgres.Database db = postgres.createDatabase();
            AuditDatabase database = new AuditDatabase(db);
            try (DataStorage server = Servers.dataStorage(db);
                    HttpFaultFront front = HttpFaultFront.start(server.baseUrl());
                    BufferedAuditStore store = BufferedAuditStore.create(
                            ScenarioRun.defaults(front.url(), ID).build());
                    ScenarioRun run = ScenarioRun.start(ID, store, database, server.baseUrl(), RATE, EVENTS)) {
                run.awaitStored(6_000);
                long crashNanos = System.nanoTime();
                postgres.crash();
                Set<UUID> ackedBeforeRecovery = front.ackedIds();
                long clientAckedAtCrash = store.stats().acked();
                // down until a batch has met the crash (an answer other than 2xx), so that the crash
                // is mid-stream for the client and not between two of its requests
                await("a batch answered other than 2xx while PostgreSQL is down")
                        .atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(20))
                        .until(() -> notStored(store) > 0);
                postgres.start();
                Duration down = Duration.ofNanos(System.nanoTime() - crashNanos);
                CompletableFuture<Duration> drain = run.measureDrain();
                ScenarioRun.Outcome outcome = run.finish();

                Set<UUID> inDatabase = database.eventIds();
                Set<UUID> acked = front.ackedIds();
                Set<UUID> ackedButLost = new HashSet<>(acked);
                ackedButLost.removeAll(inDatabase);
                Set<UUID> ackedBeforeButLost = new HashSet<>(ackedBeforeRecovery);
                ackedBeforeButLost.removeAll(inDatabase);

                ReliabilityReport.record(ScenarioResult.of(
                        ID,
                        "PostgreSQL postmaster SIGKILLed mid-stream (fsync on)",
                        outcome,
                        drain.get(),
                        run.probe().latencies(Instant.EPOCH),
                        outcome.commitLag(),
                        EVENTS + " events at " + (long) RATE + "/s from " + ScenarioRun.THREADS + " threads."
                                + " PostgreSQL run with fsync=on and full_page_writes=on; its postmaster SIGKILLed"
                                + " (backends left to end on their own) and restarted on the same data directory"
                                + " once a batch had been answered other than 2xx: back through crash recovery "
                                + down.toMillis() + " ms after the"
                                + " kill. " + ackedBeforeRecovery.size() + " ids had been answered 2xx before the"
                                + " restart (client acked count then " + clientAckedAtCrash + "), "
                                + acked.size() + " by the end; " + ackedButLost.size() + " of them missing from"
                                + " PostgreSQL after recovery (" + ackedBeforeButLost.size() + " of those acked"
                                + " before the crash). Client sends by status class "
                                + outcome.stats().sendsByStatusClass() + ", "
                                + outcome.stats().retries()
                                + " retries. Drain = from the restart until every event stored before it was"
                                + " terminal."));
                assertThat(ackedBeforeRecovery)
                        .as("events acknowledged before the crash")
                        .isNotEmpty();
                assertThat(ackedButLost)
                        .as("ids DataStorage acknowledged that are not in PostgreSQL after crash recovery")
                        .isEmpty();
                assertThat((long) acked.size())
                        .as("the ids acknowledged on the wire are as many as the client counted acked")
                        .isEqualTo(outcome.stats().acked());
                ScenarioRun.assertDefaultsRodeItOut(ID, outcome);
            }
        }
    }
}
