package dev.auditline.testkit;

import dev.auditline.testkit.FaultProxy.Mode;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What the {@link FaultProxy}'s commands set and its connections obey: the mode, the stalls and
 * their deadlines, the pending {@code stallNext…} counts, behind one lock whose condition is
 * signalled on every change. Connections ask it before connecting on ({@link #admit}) and before
 * forwarding each chunk ({@link #mayForward}); both wait here while a fault holds them.
 */
final class FaultControl {
    static final long FOREVER = Long.MAX_VALUE;

    /** What to do with a connection just accepted, after any hold it is subject to. */
    enum Admission {
        CONNECT,
        RESET,
        BLACKHOLE,
        DROP
    }

    /** One connection's part of the control state: guarded by the control's lock, except {@code closed}. */
    static final class Hold {
        boolean heldAsConnection;
        boolean awaitingRequest = true;
        volatile boolean closed;
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final AtomicInteger heldNow = new AtomicInteger();
    private final AtomicLong heldTotal = new AtomicLong();

    // Guarded by lock.
    private Mode mode = Mode.PASS;
    /** {@link System#nanoTime()} at which a {@link Mode#STALL} ends by itself. */
    private long stallDeadline = FOREVER;

    private int stallNextConnections;
    private long connectionHoldNanos;
    private int stallNextRequests;
    private long requestHoldNanos;
    /** Incremented by every release; a hold ends when it sees a newer generation. */
    private long releaseGeneration;

    private boolean closed;
    private volatile long delayNanos;

    Mode mode() {
        lock.lock();
        try {
            return effectiveMode();
        } finally {
            lock.unlock();
        }
    }

    void passThrough() {
        delayNanos = 0;
        lock.lock();
        try {
            mode = Mode.PASS;
            stallDeadline = FOREVER;
            stallNextConnections = 0;
            stallNextRequests = 0;
            releaseGeneration++;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    void stall(long deadline) {
        lock.lock();
        try {
            mode = Mode.STALL;
            stallDeadline = deadline;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    void stallNextConnections(int count, long holdNanos) {
        lock.lock();
        try {
            stallNextConnections = count;
            connectionHoldNanos = holdNanos;
        } finally {
            lock.unlock();
        }
    }

    void stallNextRequests(int count, long holdNanos) {
        lock.lock();
        try {
            stallNextRequests = count;
            requestHoldNanos = holdNanos;
        } finally {
            lock.unlock();
        }
    }

    void release() {
        lock.lock();
        try {
            if (mode == Mode.STALL) {
                mode = Mode.PASS;
            }
            stallDeadline = FOREVER;
            stallNextConnections = 0;
            stallNextRequests = 0;
            releaseGeneration++;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Sets {@link Mode#RESET} or {@link Mode#BLACKHOLE}, which stay until another mode is set. */
    void set(Mode newMode) {
        lock.lock();
        try {
            mode = newMode;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    void delay(long nanos) {
        delayNanos = nanos;
    }

    /** Marks the proxy closed; {@code true} for the first call only. */
    boolean close() {
        lock.lock();
        try {
            if (closed) {
                return false;
            }
            closed = true;
            changed.signalAll();
            return true;
        } finally {
            lock.unlock();
        }
    }

    boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    int heldNow() {
        return heldNow.get();
    }

    long heldTotal() {
        return heldTotal.get();
    }

    private Mode effectiveMode() {
        if (mode == Mode.STALL && stallDeadline != FOREVER && System.nanoTime() - stallDeadline >= 0) {
            mode = Mode.PASS;
            stallDeadline = FOREVER;
        }
        return mode;
    }

    Admission admit(Hold connection) throws InterruptedException {
        boolean counted = false;
        lock.lock();
        try {
            while (true) {
                if (closed || connection.closed) {
                    return Admission.DROP;
                }
                Mode now = effectiveMode();
                if (now == Mode.RESET) {
                    return Admission.RESET;
                }
                if (now == Mode.BLACKHOLE) {
                    return Admission.BLACKHOLE;
                }
                if (now == Mode.STALL) {
                    counted = countHeld(counted);
                    awaitStallEnd(connection);
                    continue;
                }
                if (stallNextConnections > 0 && !connection.heldAsConnection) {
                    stallNextConnections--;
                    connection.heldAsConnection = true;
                    counted = countHeld(counted);
                    holdUntilReleased(connection, System.nanoTime() + connectionHoldNanos);
                    continue;
                }
                return Admission.CONNECT;
            }
        } finally {
            lock.unlock();
            if (counted) {
                heldNow.decrementAndGet();
            }
        }
    }

    /**
     * Called by a pump with a chunk in hand: holds it as long as the mode or a request stall says
     * so. Returns false when the connection must be reset instead.
     */
    boolean mayForward(Hold connection, boolean toTarget) throws InterruptedException {
        boolean counted = false;
        lock.lock();
        try {
            if (toTarget && connection.awaitingRequest) {
                connection.awaitingRequest = false;
                if (stallNextRequests > 0) {
                    stallNextRequests--;
                    counted = countHeld(counted);
                    holdUntilReleased(connection, System.nanoTime() + requestHoldNanos);
                }
            }
            while (true) {
                if (closed || connection.closed) {
                    return false;
                }
                Mode now = effectiveMode();
                if (now == Mode.RESET) {
                    return false;
                }
                if (now == Mode.PASS) {
                    break;
                }
                counted = countHeld(counted);
                if (now == Mode.STALL) {
                    awaitStallEnd(connection);
                } else {
                    changed.await(); // blackholed: until the mode changes
                }
            }
        } finally {
            lock.unlock();
            if (counted) {
                heldNow.decrementAndGet();
            }
        }
        long delay = delayNanos;
        if (delay > 0) {
            TimeUnit.NANOSECONDS.sleep(delay);
        }
        return true;
    }

    /** A response began to arrive: the next bytes the client sends are a new request. */
    void responseSeen(Hold connection) {
        lock.lock();
        try {
            connection.awaitingRequest = true;
        } finally {
            lock.unlock();
        }
    }

    /** Wakes held pumps, e.g. so that those of a connection just closed see it. */
    void signalChanged() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private boolean countHeld(boolean alreadyCounted) {
        if (!alreadyCounted) {
            heldNow.incrementAndGet();
            heldTotal.incrementAndGet();
        }
        return true;
    }

    /** With the lock held: waits while a stall is in force for this connection. */
    private void awaitStallEnd(Hold connection) throws InterruptedException {
        while (!closed && !connection.closed && effectiveMode() == Mode.STALL) {
            if (stallDeadline == FOREVER) {
                changed.await();
            } else {
                changed.awaitNanos(stallDeadline - System.nanoTime());
            }
        }
    }

    /** With the lock held: waits until a release, the deadline, or the end of the connection. */
    private void holdUntilReleased(Hold connection, long deadline) throws InterruptedException {
        long generation = releaseGeneration;
        while (!closed && !connection.closed && releaseGeneration == generation) {
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                return;
            }
            changed.awaitNanos(remaining);
        }
    }
}
