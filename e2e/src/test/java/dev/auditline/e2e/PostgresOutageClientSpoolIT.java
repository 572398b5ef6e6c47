package dev.auditline.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.auditline.client.AuditClientConfig;
import dev.auditline.client.AuditClientStats;
import dev.auditline.client.BufferedAuditStore;
import dev.auditline.datastorage.DataStorage;
import dev.auditline.datastorage.store.TestPostgres;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * PostgreSQL stopped for 20 s and started again, without DataStorage's fallback spool but with the
 * client spool ({@code spool.dir}): DataStorage answers {@code 503} meanwhile, the client's small
 * retry budget runs out, and the batches go to the client spool instead of being dropped. Once
 * PostgreSQL is back the client replays its spool through the same idempotent path: nothing is
 * lost (every stored event acked, no drop of any reason), nothing is duplicated (rows = distinct ids
 * = acked), and the accounting identity holds throughout.
 */
class PostgresOutageClientSpoolIT {
    private static final String ID = "postgres-down-client-spool";
    private static final Duration OUTAGE = Duration.ofSeconds(20);
    /**
     * The shortest {@code delivery_timeout} allowed at the default {@code flush_interval} and {@code
     * timeout}: events that wait longer than this in a 20 s outage go to the client spool.
     */
    private static final Duration DELIVERY_TIMEOUT =
            AuditClientConfig.DEFAULT_FLUSH_INTERVAL.plus(AuditClientConfig.DEFAULT_TIMEOUT);

    @TempDir
    Path spoolDir;

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void theClientSpoolCarriesEveryEventThroughATwentySecondDatabaseOutage() throws Exception {
        // A server of its own: the shared one must not be stopped under other tests.
        try (TestPostgres postgres = TestPostgres.startEmbedded()) {
            TestPostgres.Database db = postgres.createDatabase();
            AuditDatabase database = new AuditDatabase(db);
            try (DataStorage server = Servers.dataStorage(db);
                    BufferedAuditStore store = BufferedAuditStore.create(ScenarioRun.defaults(server.baseUrl(), ID)
                            .deliveryTimeout(DELIVERY_TIMEOUT)
                            .spoolDir(spoolDir)
                            .build());
                    // 50,000 events over ~30 s: before, during and after the outage.
                    ScenarioRun run = ScenarioRun.start(ID, store, database, server.baseUrl(), 1700)) {
                run.awaitStored(8_000);
                long ackedBefore = store.stats().acked();
                long stopNanos = System.nanoTime();
                Instant stopped = Instant.now();
                postgres.stop();
                // This sleep paces the fault (20 s from the stop command on); it does not wait for a result.
                long left = stopNanos + OUTAGE.toNanos() - System.nanoTime();
                if (left > 0) {
                    TimeUnit.NANOSECONDS.sleep(left);
                }
                AuditClientStats atRestart = store.stats();
                postgres.start();
                long restartNanos = System.nanoTime();
                Duration outage = Duration.between(stopped, Instant.now());
                await("the client spool replayed into PostgreSQL")
                        .atMost(Duration.ofMinutes(2))
                        .pollInterval(Duration.ofMillis(50))
                        .until(() -> {
                            AuditClientStats s = store.stats();
                            return s.spooledPending() == 0
                                    && s.spool().pendingRecords() == 0
                                    && s.spool().replayedRecords() > 0;
                        });
                Duration spoolDrain = Duration.ofNanos(System.nanoTime() - restartNanos);
                ScenarioRun.Outcome outcome = run.finish();
                AuditClientStats s = outcome.stats();

                assertThat(atRestart.spooledPending())
                        .as("batches went to the client spool during the outage: %s", atRestart)
                        .isPositive();
                assertThat(s.droppedTotal()).as("nothing dropped: %s", s).isZero();
                assertThat(s.rejected()).isZero();
                assertThat(s.spooledPending()).as("spool drained").isZero();
                assertThat(s.acked())
                        .as("every stored event acked, the spooled ones by the replay")
                        .isEqualTo(s.enqueued());
                assertThat(outcome.counts().rows()).isEqualTo(s.enqueued());
                assertThat(s.spool().replayedEvents())
                        .as("every spooled event replayed")
                        .isEqualTo(s.spooled());

                ReliabilityReport.record(ScenarioResult.of(
                                ID,
                                "PostgreSQL stopped 20 s, client spool carries it",
                                outcome,
                                spoolDrain,
                                run.probe().latencies(Instant.EPOCH),
                                outcome.commitLag(),
                                "PostgreSQL down " + outage.toMillis() + " ms (fast shutdown, restarted on the same"
                                        + " port); " + ackedBefore
                                        + " events acked before it stopped. No server fallback"
                                        + " spool: DataStorage answered "
                                        + s.sendsByStatusClass().get("5xx") + " requests"
                                        + " with 5xx. Events that waited longer than delivery_timeout whose retries ran out went to the client spool, "
                                        + s.spooled() + " events in all (" + atRestart.spooledPending() + " pending, "
                                        + atRestart.spool().pendingRecords() + " records / "
                                        + atRestart.spool().pendingBytes()
                                        + " bytes on disk at the restart); the replayer sent "
                                        + s.spool().replayedRecords()
                                        + " records (" + s.spool().replayedEvents()
                                        + " events) back after the restart, "
                                        + s.spool().replayFailures()
                                        + " replay failures left. Nothing dropped, every stored"
                                        + " event acked once; rows = distinct ids = acked = enqueued. Drain = from the restart"
                                        + " until the client spool was empty (spooled_pending 0). Visibility and commit lag"
                                        + " include the outage.")
                        .tunedBecause("the row shows the client spool taking over: a delivery_timeout shorter than"
                                + " the outage sends the oldest events there"));
            }
        }
    }
}
