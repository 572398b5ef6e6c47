package dev.auditline.e2e;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.EventOutcome;
import dev.auditline.client.AuditClientConfig;
import dev.auditline.client.AuditClientStats;
import dev.auditline.client.BufferedAuditStore;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The client process of {@link ClientSpoolKillIT}, run as a child JVM so that the test can kill it
 * with {@code SIGKILL}. Prints one status line on stdout when it reached the state the test waits for.
 *
 * <ul>
 *   <li>{@code spool <url> <spool dir> <count> <ids file>}: stores {@code count} events (writing their
 *       ids to the file first; {@code overflow: spill}), waits until each is terminal (spooled while
 *       DataStorage is down),
 *       prints {@code SPOOLED <n>}, then keeps running, replaying, until it is killed.
 *   <li>{@code drain <url> <spool dir>}: opens the same spool, waits until what an earlier process
 *       left there is replayed, prints {@code DRAINED …}, closes and exits 0 (2 when it timed out).
 * </ul>
 */
public final class SpoolingClientMain {
    static final Duration DRAIN_TIMEOUT = Duration.ofMinutes(2);

    private SpoolingClientMain() {}

    static AuditClientConfig config(String url, Path spoolDir) {
        return AuditClientConfig.builder()
                .datastorageUrl(url)
                .serviceName("client-spool-kill")
                .timeout(Duration.ofSeconds(5))
                .batchSize(50)
                .flushInterval(Duration.ofMillis(200))
                // the shortest allowed (flush_interval + timeout): events wait this long for a
                // server that is not there, then go to the spool
                .deliveryTimeout(Duration.ofMillis(5200))
                .overflow(AuditClientConfig.Overflow.SPILL)
                .spoolDir(spoolDir)
                .build();
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        String url = args[1];
        Path spoolDir = Path.of(args[2]);
        if (mode.equals("spool")) {
            spool(url, spoolDir, Integer.parseInt(args[3]), Path.of(args[4]));
        } else if (mode.equals("drain")) {
            System.exit(drain(url, spoolDir) ? 0 : 2);
        } else {
            throw new IllegalArgumentException("mode must be spool or drain (got " + mode + ")");
        }
    }

    private static void spool(String url, Path spoolDir, int count, Path idsFile) throws Exception {
        BufferedAuditStore store = BufferedAuditStore.create(config(url, spoolDir));
        try (Writer ids = Files.newBufferedWriter(idsFile)) {
            for (int i = 0; i < count; i++) {
                AuditEvent event = AuditEvent.builder()
                        .eventType("e2e.spool.killed")
                        .eventCategory("e2e")
                        .eventAction("killed")
                        .eventOutcome(EventOutcome.SUCCESS)
                        .correlationId("spool-kill-" + i / 100)
                        .actor("service", "client-spool-kill")
                        .resource("event", "n-" + i)
                        .eventData(Map.of("n", i))
                        .build();
                ids.write(event.eventId() + "\n");
                store.store(event);
            }
        }
        store.flush(Duration.ofMinutes(1));
        AuditClientStats stats = store.stats();
        System.out.println("SPOOLED " + stats.spooledPending() + " " + stats);
        System.out.flush();
        new CountDownLatch(1).await(); // until SIGKILL; no close(), no shutdown hook
    }

    private static boolean drain(String url, Path spoolDir) throws InterruptedException {
        try (BufferedAuditStore store = BufferedAuditStore.create(config(url, spoolDir))) {
            long deadline = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
            while (System.nanoTime() < deadline) {
                AuditClientStats.SpoolSummary spool = store.stats().spool();
                if (spool.recoveredPendingRecords() == 0 && spool.pendingRecords() == 0) {
                    System.out.println("DRAINED " + spool);
                    System.out.flush();
                    return true;
                }
                TimeUnit.MILLISECONDS.sleep(100);
            }
            System.out.println("NOT DRAINED " + store.stats());
            System.out.flush();
            return false;
        }
    }
}
