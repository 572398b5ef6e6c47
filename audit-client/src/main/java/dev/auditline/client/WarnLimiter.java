package dev.auditline.client;

import java.util.Map;
import java.util.TreeMap;

/**
 * Accumulates counts of a repeated problem (drops, rejections) and hands out one summary line at
 * most once per interval, so that a failing DataStorage produces one WARN line every few seconds
 * rather than one per event.
 */
final class WarnLimiter {
    private final Object lock = new Object();
    private final long intervalNanos;
    // guarded by lock
    private final Map<String, Long> counts = new TreeMap<>();
    private String example;
    private long lastNanos;
    private boolean loggedBefore;

    WarnLimiter(long intervalNanos) {
        this.intervalNanos = intervalNanos;
    }

    void add(String key, long n, String example) {
        synchronized (lock) {
            counts.merge(key, n, Long::sum);
            if (this.example == null && example != null) {
                this.example = example;
            }
        }
    }

    /** What accumulated since the last summary: counts by key and one example, if any. */
    record Summary(Map<String, Long> counts, String example) {
        @Override
        public String toString() {
            return counts + (example == null ? "" : ", e.g. " + example);
        }
    }

    /**
     * The summary to log now, or {@code null} when nothing accumulated or the last summary was less
     * than an interval ago (unless {@code force}). Resets the counts it reports.
     */
    String poll(long nowNanos, boolean force) {
        Summary summary = pollSummary(nowNanos, force);
        return summary == null ? null : summary.toString();
    }

    /** As {@link #poll}, keeping the counts apart. */
    Summary pollSummary(long nowNanos, boolean force) {
        synchronized (lock) {
            if (counts.isEmpty() || (!force && loggedBefore && nowNanos - lastNanos < intervalNanos)) {
                return null;
            }
            Summary summary = new Summary(new TreeMap<>(counts), example);
            counts.clear();
            example = null;
            lastNanos = nowNanos;
            loggedBefore = true;
            return summary;
        }
    }
}
