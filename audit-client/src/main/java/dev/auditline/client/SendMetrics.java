package dev.auditline.client;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measurements that are not part of the accounting identity (flushes, sends, retries, delivery
 * latency), kept lock-free, and the observers that see them as they happen.
 */
final class SendMetrics {
    private static final Logger log = LoggerFactory.getLogger(BufferedAuditStore.class);

    private final AtomicLongArray flushes = new AtomicLongArray(FlushTrigger.values().length);
    private final AtomicLong retries = new AtomicLong();
    private final AtomicLong sends2xx = new AtomicLong();
    private final AtomicLong sends4xx = new AtomicLong();
    private final AtomicLong sends5xx = new AtomicLong();
    private final AtomicLong sendsNetwork = new AtomicLong();
    private final AtomicLong latencyCount = new AtomicLong();
    private final AtomicLong latencyTotalNanos = new AtomicLong();
    private final AtomicLong latencyMaxNanos = new AtomicLong();
    private final List<PipelineObserver> observers = new CopyOnWriteArrayList<>();

    void addObserver(PipelineObserver observer) {
        observers.add(observer);
    }

    void batchCut(FlushTrigger trigger, int events) {
        flushes.incrementAndGet(trigger.ordinal());
        for (PipelineObserver o : observers) {
            o.batchCut(trigger, events);
        }
    }

    void retried() {
        retries.incrementAndGet();
    }

    /** One attempt finished with {@code status} (0: no answer). */
    void sent(int status, long tookNanos, int attempt, int events, Verdict verdict) {
        String statusClass;
        if (status == 0) {
            statusClass = "network";
            sendsNetwork.incrementAndGet();
        } else if (status < 300) {
            statusClass = "2xx";
            sends2xx.incrementAndGet();
        } else if (status < 500) {
            statusClass = "4xx";
            sends4xx.incrementAndGet();
        } else {
            statusClass = "5xx";
            sends5xx.incrementAndGet();
        }
        if (log.isDebugEnabled()) {
            log.debug(
                    "send status={} attempt={} events={} duration={}ms{}",
                    status == 0 ? "none" : status,
                    attempt,
                    events,
                    TimeUnit.NANOSECONDS.toMillis(tookNanos),
                    status == 0 ? " error=" + verdict.answer() : "");
        }
        for (PipelineObserver o : observers) {
            o.sendFinished(statusClass, tookNanos);
        }
    }

    /** An event a live request delivered, {@code latencyNanos} after its store(). */
    void delivered(long latencyNanos) {
        latencyCount.incrementAndGet();
        latencyTotalNanos.addAndGet(latencyNanos);
        latencyMaxNanos.accumulateAndGet(latencyNanos, Math::max);
        for (PipelineObserver o : observers) {
            o.delivered(latencyNanos);
        }
    }

    Map<FlushTrigger, Long> flushCounts() {
        Map<FlushTrigger, Long> counts = new EnumMap<>(FlushTrigger.class);
        for (FlushTrigger t : FlushTrigger.values()) {
            counts.put(t, flushes.get(t.ordinal()));
        }
        return counts;
    }

    long retries() {
        return retries.get();
    }

    Map<String, Long> sendsByStatusClass() {
        return Map.of(
                "2xx", sends2xx.get(),
                "4xx", sends4xx.get(),
                "5xx", sends5xx.get(),
                "network", sendsNetwork.get());
    }

    AuditClientStats.LatencySummary latency() {
        return new AuditClientStats.LatencySummary(
                latencyCount.get(), Duration.ofNanos(latencyTotalNanos.get()), Duration.ofNanos(latencyMaxNanos.get()));
    }
}
