package dev.auditline.e2e;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * A latency distribution in milliseconds, summarized by nearest-rank percentiles (no
 * interpolation: every figure reported is one that was measured).
 */
public record Latencies(int count, long p50Millis, long p90Millis, long p99Millis, long maxMillis) {

    public static final Latencies NONE = new Latencies(0, 0, 0, 0, 0);

    public static Latencies of(Collection<Duration> samples) {
        if (samples.isEmpty()) {
            return NONE;
        }
        List<Long> sorted = new ArrayList<>(samples.size());
        for (Duration d : samples) {
            sorted.add(d.toMillis());
        }
        sorted.sort(null);
        return new Latencies(
                sorted.size(),
                rank(sorted, 0.50),
                rank(sorted, 0.90),
                rank(sorted, 0.99),
                sorted.get(sorted.size() - 1));
    }

    private static long rank(List<Long> sorted, double quantile) {
        int index = (int) Math.ceil(quantile * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    @Override
    public String toString() {
        return count == 0
                ? "no samples"
                : "n=" + count + " p50=" + p50Millis + "ms p90=" + p90Millis + "ms p99=" + p99Millis + "ms max="
                        + maxMillis + "ms";
    }
}
