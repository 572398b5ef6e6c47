package dev.auditline.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.auditline.client.AuditClientConfig;
import dev.auditline.client.AuditClientStats;
import dev.auditline.client.BufferedAuditStore;
import dev.auditline.client.DropReason;
import dev.auditline.client.FlushReport;
import dev.auditline.datastorage.DataStorage;
import dev.auditline.datastorage.store.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client spool full (DESIGN §5): DataStorage is not there while the whole load is stored, every
 * batch fails at once ({@code max_retries 0}) and goes to a small client spool ({@code
 * spool.max_bytes} 4 MiB) until it is full; from then on the spool refuses the batches, which are
 * counted as {@code dropped{spool_full}}, never evicted and never silent. When DataStorage comes up
 * the client replays the spool: every event not counted as {@code spool_full} ends up in PostgreSQL
 * exactly once, and the accounting identity holds throughout.
 */
class SpoolFullIT {
    private static final String ID = "spool-full";
    private static final long SPOOL_MAX_BYTES = 4L << 20;
    private static final double RATE = 5000;

    @TempDir
    Path spoolDir;

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void refusalsOfAFullSpoolAreCountedAndEverythingElseIsDelivered() throws Exception {
        TestPostgres.Database db = TestPostgres.shared().createDatabase();
        AuditDatabase database = new AuditDatabase(db);
        int port = Servers.freePort(); // nothing listens there until DataStorage starts
        String url = "http://127.0.0.1:" + port;
        try (BufferedAuditStore store = BufferedAuditStore.create(ScenarioRun.defaults(url, ID)
                        .deliveryTimeout(
                                AuditClientConfig.DEFAULT_FLUSH_INTERVAL.plus(AuditClientConfig.DEFAULT_TIMEOUT))
                        .spoolDir(spoolDir)
                        .spoolMaxBytes(SPOOL_MAX_BYTES)
                        .build());
                // all of the events while DataStorage is down
                ScenarioRun run = ScenarioRun.start(ID, store, database, url, RATE)) {
            run.awaitStored(ScenarioRun.EVENTS);
            FlushReport whileDown = store.flush(Duration.ofMinutes(1));
            assertThat(whileDown.timedOut()).as("flush: %s", whileDown).isFalse();
            AuditClientStats full = store.stats();
            assertThat(full.dropped(DropReason.SPOOL_FULL))
                    .as("refusals counted as spool_full: %s", full)
                    .isPositive();
            assertThat(full.spool().refusedRecords()).isPositive();
            assertThat(full.spool().pendingBytes())
                    .as("the spool stays within spool.max_bytes")
                    .isLessThanOrEqualTo(SPOOL_MAX_BYTES);
            assertThat(full.spooledPending()).isPositive();
            assertThat(full.unaccounted()).isZero();

            try (DataStorage server = DataStorage.start(Servers.config(db, port), Clock.systemUTC())) {
                long startNanos = System.nanoTime();
                await("the full spool replayed into PostgreSQL")
                        .atMost(Duration.ofMinutes(2))
                        .pollInterval(Duration.ofMillis(50))
                        .until(() -> {
                            AuditClientStats s = store.stats();
                            return s.spooledPending() == 0 && s.spool().pendingRecords() == 0;
                        });
                Duration drain = Duration.ofNanos(System.nanoTime() - startNanos);
                ScenarioRun.Outcome outcome = run.finish();
                AuditClientStats s = outcome.stats();

                assertThat(s.dropped()).as("only spool_full drops").allSatisfy((reason, n) -> assertThat(
                                reason == DropReason.SPOOL_FULL || n == 0)
                        .as("%s=%s", reason, n)
                        .isTrue());
                assertThat(s.acked() + s.dropped(DropReason.SPOOL_FULL))
                        .as("every event not refused by the full spool was delivered: %s", s)
                        .isEqualTo(s.enqueued());
                assertThat(s.spool().replayedEvents())
                        .as("every spooled event replayed")
                        .isEqualTo(s.spooled());
                try (Stream<Path> files = Files.walk(spoolDir)) {
                    assertThat(files.filter(p -> p.toString().endsWith(".corrupt")))
                            .as("no segment set aside as corrupt")
                            .isEmpty();
                }

                ReliabilityReport.record(ScenarioResult.of(
                                ID,
                                "Spool full: refusals counted as spool_full",
                                outcome,
                                drain,
                                run.probe().latencies(Instant.EPOCH),
                                outcome.commitLag(),
                                "No DataStorage listened while the " + ScenarioRun.EVENTS + " events were stored ("
                                        + ScenarioRun.THREADS + " threads, " + (long) RATE
                                        + "/s): each batch went to the"
                                        + " client spool once it had waited delivery_timeout. While down: "
                                        + full.spooledPending() + " events ("
                                        + full.spool().pendingRecords() + " records, "
                                        + full.spool().pendingBytes() + " bytes ≤ " + SPOOL_MAX_BYTES
                                        + ") in the spool, "
                                        + full.spool().refusedRecords() + " records refused by the full spool, their "
                                        + full.dropped(DropReason.SPOOL_FULL) + " events counted as dropped{spool_full}"
                                        + " (nothing evicted, no crash, identity held). DataStorage then started on the"
                                        + " same port and the replayer delivered "
                                        + s.spool().replayedRecords()
                                        + " records (" + s.spool().replayedEvents() + " events) within "
                                        + drain.toMillis()
                                        + " ms (drain); no .corrupt file. Every event not counted as spool_full ("
                                        + s.acked() + ", the probes stored after the start included) is in PostgreSQL"
                                        + " exactly once: rows = distinct ids = acked = enqueued - spool_full. Visibility"
                                        + " and commit lag include the down time.")
                        .tunedBecause("the row shows a full client spool: a small spool, and the shortest"
                                + " delivery_timeout allowed"));
            }
        }
    }
}
