package dev.auditline.bench;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.EventOutcome;
import dev.auditline.client.AuditClientConfig;
import dev.auditline.client.AuditClientStats;
import dev.auditline.client.BufferedAuditStore;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Heap held per buffered event at the client's defaults: a store whose DataStorage refuses
 * connections fills its buffer (and its in-flight batches) and the retained heap is divided by the
 * events it holds. The baseline is the same events kept in a plain {@link ArrayList}: what the
 * events themselves cost, so the difference is the store's own overhead.
 *
 * <pre>{@code
 * java -Xmx1g -XX:+UseSerialGC -cp benchmarks/target/benchmarks.jar dev.auditline.bench.BufferMemoryRun [rounds]
 * }</pre>
 */
public final class BufferMemoryRun {
    private BufferMemoryRun() {}

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        System.out.println(Runtime.version() + ", " + Runtime.getRuntime().availableProcessors() + " CPUs, -Xmx"
                + (Runtime.getRuntime().maxMemory() >> 20) + "m");
        double[] store = new double[rounds];
        double[] list = new double[rounds];
        long held = 0;
        for (int r = 0; r < rounds; r++) {
            list[r] = listBytesPerEvent(10_000);
            long[] result = storeBytesPerEvent();
            store[r] = result[0] / (double) result[1];
            held = result[1];
            System.out.printf(
                    "round %d: store %.0f B/event (%d events held), list %.0f B/event%n",
                    r + 1, store[r], held, list[r]);
        }
        System.out.printf(
                "BufferedAuditStore at the defaults: median %.0f B per held event (min %.0f, max %.0f), %d events held%n",
                median(store), min(store), max(store), held);
        System.out.printf(
                "ArrayList of the same events:      median %.0f B per event (min %.0f, max %.0f)%n",
                median(list), min(list), max(list));
    }

    /** {retained bytes, events held} for a store at the defaults filled while DataStorage is down. */
    private static long[] storeBytesPerEvent() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort(); // closed again: connections are refused
        }
        AuditClientConfig config = AuditClientConfig.builder()
                .datastorageUrl("http://127.0.0.1:" + port)
                .serviceName("bench")
                .build();
        long before = usedHeap();
        BufferedAuditStore store = BufferedAuditStore.create(config);
        try {
            int attempts = config.buffer().bufferSize()
                    + config.buffer().maxInFlight() * config.buffer().batchSize();
            for (int i = 0; i < attempts * 2; i++) {
                store.store(event(i));
            }
            long after = usedHeap();
            AuditClientStats stats = store.stats();
            long held = stats.bufferedEvents() + stats.inFlightEvents();
            return new long[] {after - before, held};
        } finally {
            store.close(Duration.ofMillis(100));
        }
    }

    private static double listBytesPerEvent(int n) {
        long before = usedHeap();
        List<AuditEvent> events = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            events.add(event(i));
        }
        long after = usedHeap();
        if (events.size() != n) {
            throw new AssertionError();
        }
        return (after - before) / (double) n;
    }

    /** A typical event: every required field, a W3C trace context, three small event_data values. */
    static AuditEvent event(int i) {
        return AuditEvent.builder()
                .eventType("orchestrator.approval.requested")
                .eventCategory("orchestration")
                .eventAction("requested")
                .eventOutcome(EventOutcome.SUCCESS)
                .correlationId("remediation-request-" + i)
                .actor("service", "remediation-orchestrator")
                .resource("remediationrequest", "rr-" + i)
                .namespace("payments")
                .traceId(String.format("%032x", i + 1L))
                .spanId(String.format("%016x", i + 1L))
                .eventData(Map.of(
                        "approver",
                        "team-" + (i % 17),
                        "reason",
                        "disk pressure on node-" + (i % 50),
                        "attempt",
                        i % 3))
                .build();
    }

    private static long usedHeap() {
        for (int i = 0; i < 4; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double min(double[] v) {
        return Arrays.stream(v).min().orElse(0);
    }

    private static double max(double[] v) {
        return Arrays.stream(v).max().orElse(0);
    }
}
