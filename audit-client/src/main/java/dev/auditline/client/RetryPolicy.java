package dev.auditline.client;

import java.time.Duration;

/**
 * How long a sender (or the replayer) waits before it sends a batch again: exponential backoff from
 * {@code retry.initial_backoff} with full jitter, never shorter than the server's {@code
 * Retry-After}. A value with one formula, so the schedule is tested without threads.
 *
 * <p>Two caps: after a <em>failed</em> attempt the delay grows to {@code retry.max_backoff}; while
 * the server is <em>unavailable</em> the probes stay at most {@code maxProbeInterval} apart (unless
 * its {@code Retry-After} asks for longer), so a server back from a restart is found within
 * seconds instead of after a 30 s backoff.
 *
 * @param maxProbeInterval cap of the probe delay while unavailable, below {@code maxBackoff}
 */
record RetryPolicy(
        Duration initialBackoff, Duration maxBackoff, Duration maxProbeInterval, BufferedAuditStore.Jitter jitter) {

    /** Longest gap between two probes of an unavailable server without a longer {@code Retry-After}: {@value} s. */
    static final long DEFAULT_MAX_PROBE_INTERVAL_SECONDS = 5;

    static final Duration DEFAULT_MAX_PROBE_INTERVAL = Duration.ofSeconds(DEFAULT_MAX_PROBE_INTERVAL_SECONDS);

    static RetryPolicy of(AuditClientConfig config, BufferedAuditStore.Jitter jitter) {
        return new RetryPolicy(
                config.retry().initialBackoff(), config.retry().maxBackoff(), DEFAULT_MAX_PROBE_INTERVAL, jitter);
    }

    /** The wait after the {@code failures}-th failed attempt (1-based). */
    Duration afterFailure(int failures, Duration retryAfter) {
        return delay(failures, retryAfter, maxBackoff.toNanos());
    }

    /** The wait before the next probe of an unavailable server, after {@code probes} probes (1-based). */
    Duration beforeProbe(int probes, Duration retryAfter) {
        return delay(probes, retryAfter, Math.min(maxBackoff.toNanos(), maxProbeInterval.toNanos()));
    }

    /**
     * Full jitter: a random delay up to {@code initial_backoff * 2^(n-1)}, capped at {@code cap};
     * never shorter than the server's {@code Retry-After}, itself capped at {@code max_backoff} so a
     * wrong header cannot park a sender for an hour.
     */
    private Duration delay(int n, Duration retryAfter, long capNanos) {
        long initial = Math.min(initialBackoff.toNanos(), capNanos);
        int shift = Math.min(Math.max(n, 1) - 1, 62);
        long cap = initial > (capNanos >> shift) ? capNanos : initial << shift;
        double fraction = Math.min(1.0, Math.max(0.0, jitter.nextFraction()));
        long delay = (long) (cap * fraction);
        if (retryAfter != null && !retryAfter.isNegative()) {
            delay = Math.max(delay, Math.min(retryAfter.toNanos(), maxBackoff.toNanos()));
        }
        return Duration.ofNanos(delay);
    }
}
