package dev.auditline.datastorage.http;

import java.time.Duration;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The database probe behind {@code /readyz} and the {@code audit_storage_ready} gauge, both open to
 * anyone who can reach the port. One probe runs at a time and its answer is reused for {@link
 * #MAX_AGE}, so no number of callers makes more than a few database round trips a second; callers
 * that arrive while a probe runs get the previous answer instead of queueing behind it.
 */
final class ReadinessProbe {
    /** How long one probe's answer is reused: at most four probes a second, whatever the callers. */
    static final Duration MAX_AGE = Duration.ofMillis(250);

    private final Supplier<Optional<Boolean>> probe;
    private final LongSupplier nanoClock;
    private final LongSupplier lastFailure;
    private final Object lock = new Object();
    private boolean last; // guarded by lock; false until a probe answered
    private long probedAt; // guarded by lock; nanoClock value of the last answer
    private boolean answered; // guarded by lock
    private boolean probing; // guarded by lock

    /**
     * @param probe asks the database; empty when it could not ask now (every database permit busy),
     *     which keeps the previous answer
     */
    ReadinessProbe(Supplier<Optional<Boolean>> probe, LongSupplier nanoClock) {
        this(probe, nanoClock, () -> StorageGate.NEVER);
    }

    /**
     * @param lastFailure when a request last found the database unreachable (on {@code nanoClock}),
     *     or {@link StorageGate#NEVER}: an answer as good as a failed probe, and newer than a cached
     *     "ready" (without it, an outage met by requests that hold every permit would stay "ready")
     */
    ReadinessProbe(Supplier<Optional<Boolean>> probe, LongSupplier nanoClock, LongSupplier lastFailure) {
        this.probe = probe;
        this.nanoClock = nanoClock;
        this.lastFailure = lastFailure;
    }

    boolean ready() {
        synchronized (lock) {
            long failedAt = lastFailure.getAsLong();
            if (failedAt != StorageGate.NEVER && (!answered || failedAt - probedAt > 0)) {
                last = false;
                answered = true;
                probedAt = failedAt;
            }
            boolean fresh = answered && nanoClock.getAsLong() - probedAt < MAX_AGE.toNanos();
            if (fresh || probing) {
                return last;
            }
            probing = true;
        }
        Optional<Boolean> answer = Optional.empty();
        try {
            answer = probe.get();
        } finally {
            synchronized (lock) {
                probing = false;
                if (answer.isPresent()) {
                    last = answer.get();
                    answered = true;
                    probedAt = nanoClock.getAsLong();
                }
            }
        }
        return answer.orElse(last);
    }
}
