package dev.auditline.spring;

import dev.auditline.client.AuditClientStats;
import java.time.Duration;

/**
 * Decides the audit client's health from successive {@link AuditClientStats} snapshots. The rules,
 * in order (docs/spring-boot.md quotes them):
 *
 * <ol>
 *   <li>{@link Verdict#DOWN} while events are being dropped: the dropped count rose since the
 *       previous check (any drop before the first check counts).
 *   <li>{@link Verdict#OUT_OF_SERVICE} while DataStorage does not take events: events are waiting
 *       (buffered or in flight) and none was acked or rejected for longer than {@code
 *       flush_interval} × {@value #STALL_FLUSH_INTERVALS}, or the oldest buffered event is older than
 *       that.
 *   <li>{@link Verdict#UP} otherwise.
 * </ol>
 *
 * <p>Drops and stalls are seen between checks, so the first check that sees a stall starts its
 * clock: a stall is reported from the check that is more than the threshold after the first check
 * that saw it. Not thread-safe on its own; the indicator serialises checks.
 */
final class AuditHealthPolicy {
    /** How many flush intervals without any delivery, while events wait, make the client out of service. */
    static final int STALL_FLUSH_INTERVALS = 5;

    enum Verdict {
        UP,
        DOWN,
        OUT_OF_SERVICE
    }

    /** What one check concluded, and why (for the health details). */
    record Assessment(Verdict verdict, String reason) {}

    /** The few numbers the rules read, taken from one consistent stats snapshot. */
    record Sample(long dropped, long delivered, long waiting, Duration oldestBufferedAge) {
        static Sample of(AuditClientStats stats) {
            return new Sample(
                    stats.droppedTotal(),
                    stats.acked() + stats.rejected(),
                    stats.bufferedEvents() + stats.inFlightEvents(),
                    stats.oldestEventAge());
        }
    }

    private final Duration stallAfter;
    private Sample previous = new Sample(0, 0, 0, Duration.ZERO);
    private long stalledSinceNanos;
    private boolean stalled;

    AuditHealthPolicy(Duration flushInterval) {
        this.stallAfter = flushInterval.multipliedBy(STALL_FLUSH_INTERVALS);
    }

    Duration stallAfter() {
        return stallAfter;
    }

    /** @param nowNanos a monotonic clock reading ({@link System#nanoTime()}) */
    Assessment assess(Sample now, long nowNanos) {
        Sample before = previous;
        previous = now;
        boolean progressed = now.delivered > before.delivered;
        if (now.waiting == 0 || progressed) {
            stalled = false;
        } else if (!stalled) {
            stalled = true;
            stalledSinceNanos = nowNanos;
        }
        if (now.dropped > before.dropped) {
            return new Assessment(
                    Verdict.DOWN, (now.dropped - before.dropped) + " events dropped since the previous check");
        }
        if (now.oldestBufferedAge.compareTo(stallAfter) > 0) {
            return new Assessment(
                    Verdict.OUT_OF_SERVICE,
                    "oldest buffered event is " + now.oldestBufferedAge.toMillis() + " ms old (limit "
                            + stallAfter.toMillis() + " ms)");
        }
        if (stalled && nowNanos - stalledSinceNanos > stallAfter.toNanos()) {
            return new Assessment(
                    Verdict.OUT_OF_SERVICE,
                    now.waiting + " events waiting and none delivered for "
                            + Duration.ofNanos(nowNanos - stalledSinceNanos).toMillis() + " ms (limit "
                            + stallAfter.toMillis() + " ms)");
        }
        return new Assessment(Verdict.UP, null);
    }
}
