package dev.auditline.e2e.abuse;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.EventOutcome;
import dev.auditline.client.AuditClientConfig;
import dev.auditline.client.BufferedAuditStore;
import dev.auditline.client.FlushReport;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A service going about its business during the abuse: {@code BufferedAuditStore} at the default
 * configuration (only the URL and the service name), storing {@link #RATE} events a second on its
 * own thread, every id remembered.
 */
final class NormalClient implements AutoCloseable {
    static final int RATE = 50;
    static final String CORRELATION_PREFIX = "abuse-normal-";

    private final BufferedAuditStore store;
    private final String correlationId = CORRELATION_PREFIX + UUID.randomUUID();
    private final Set<UUID> ids = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;
    private volatile int refusedByStore;

    NormalClient(String baseUrl) {
        this.store = BufferedAuditStore.create(AuditClientConfig.builder()
                .datastorageUrl(baseUrl)
                .serviceName("abuse-normal")
                .build());
        this.thread = new Thread(this::emit, "abuse-normal-client");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void emit() {
        long next = System.nanoTime();
        long i = 0;
        while (running.get()) {
            AuditEvent event = AuditEvent.builder()
                    .eventType("abuse.normal.stored")
                    .eventCategory("abuse")
                    .eventAction("stored")
                    .eventOutcome(EventOutcome.SUCCESS)
                    .correlationId(correlationId)
                    .actor("service", "abuse-normal")
                    .resource("thing", "n-" + i++)
                    .build();
            if (store.store(event)) {
                ids.add(event.eventId());
            } else {
                refusedByStore++;
            }
            next += 1_000_000_000L / RATE;
            long sleep = next - System.nanoTime();
            if (sleep > 0) {
                try {
                    Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000)); // the pace of the load
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    String correlationId() {
        return correlationId;
    }

    /** Stops storing and flushes; the report says what became of every event stored. */
    FlushReport stopAndFlush(Duration timeout) throws InterruptedException {
        running.set(false);
        thread.join(5000);
        return store.flush(timeout);
    }

    Set<UUID> ids() {
        return Set.copyOf(ids);
    }

    int refusedByStore() {
        return refusedByStore;
    }

    @Override
    public void close() {
        running.set(false);
        store.close(Duration.ofSeconds(10));
    }
}
