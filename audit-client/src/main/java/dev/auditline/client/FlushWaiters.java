package dev.auditline.client;

import java.util.ArrayList;
import java.util.List;

/**
 * The pending {@code flush()} calls: each waits for the events stored before it (sequence numbers
 * below its mark) and counts what became of exactly those. Not thread-safe: the {@link Ledger}
 * uses it under its lock.
 */
final class FlushWaiters {
    /** One pending flush. */
    static final class Waiter {
        final long upTo;
        long remaining;
        long acked;
        long rejected;
        long spooled;
        long dropped;

        Waiter(long upTo, long remaining) {
            this.upTo = upTo;
            this.remaining = remaining;
        }
    }

    private final List<Waiter> waiters = new ArrayList<>();

    Waiter add(long upTo, long remaining) {
        Waiter w = new Waiter(upTo, remaining);
        waiters.add(w);
        return w;
    }

    void remove(Waiter w) {
        waiters.remove(w);
    }

    int size() {
        return waiters.size();
    }

    /** The event with sequence number {@code seq} reached {@code outcome}. */
    void count(long seq, Ledger.Outcome outcome) {
        for (Waiter w : waiters) {
            if (seq < w.upTo) {
                w.remaining--;
                switch (outcome) {
                    case ACKED -> w.acked++;
                    case REJECTED -> w.rejected++;
                    case SPOOLED -> w.spooled++;
                    case DROPPED -> w.dropped++;
                }
            }
        }
    }
}
