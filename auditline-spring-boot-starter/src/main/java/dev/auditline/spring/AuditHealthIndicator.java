package dev.auditline.spring;

import dev.auditline.client.AuditClientStats;
import dev.auditline.client.BufferedAuditStore;
import dev.auditline.client.DropReason;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;

/**
 * {@code /actuator/health/audit}: the {@link AuditHealthPolicy} verdict over the store's
 * {@code stats()}, with the counters behind it as details.
 */
final class AuditHealthIndicator extends AbstractHealthIndicator {
    private final BufferedAuditStore store;
    private final AuditHealthPolicy policy;
    private final LongSupplier nanoClock;
    private final Object lock = new Object();

    AuditHealthIndicator(BufferedAuditStore store, LongSupplier nanoClock) {
        super("Audit client health check failed");
        this.store = store;
        this.policy = new AuditHealthPolicy(store.config().buffer().flushInterval());
        this.nanoClock = nanoClock;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        AuditClientStats stats = store.stats();
        AuditHealthPolicy.Assessment assessment;
        synchronized (lock) {
            assessment = policy.assess(AuditHealthPolicy.Sample.of(stats), nanoClock.getAsLong());
        }
        builder.status(
                switch (assessment.verdict()) {
                    case UP -> Status.UP;
                    case DOWN -> Status.DOWN;
                    case OUT_OF_SERVICE -> Status.OUT_OF_SERVICE;
                });
        if (assessment.reason() != null) {
            builder.withDetail("reason", assessment.reason());
        }
        Map<String, Long> dropped = new TreeMap<>();
        for (DropReason reason : DropReason.values()) {
            if (stats.dropped(reason) > 0) {
                dropped.put(reason.tagValue(), stats.dropped(reason));
            }
        }
        builder.withDetail("datastorage_url", store.config().datastorageUrl().toString())
                .withDetail("enqueued", stats.enqueued())
                .withDetail("acked", stats.acked())
                .withDetail("rejected", stats.rejected())
                .withDetail("dropped", dropped)
                .withDetail("buffered", stats.bufferedEvents())
                .withDetail("in_flight", stats.inFlightEvents())
                .withDetail("oldest_buffered_ms", stats.oldestEventAge().toMillis())
                .withDetail("stall_after_ms", policy.stallAfter().toMillis());
        if (stats.spool().enabled()) {
            builder.withDetail("spool_pending_records", stats.spool().pendingRecords());
        }
    }
}
