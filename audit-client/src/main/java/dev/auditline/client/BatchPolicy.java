package dev.auditline.client;

/**
 * When the batcher cuts a batch, and how long it waits otherwise: a pure function of what is
 * buffered, so every trigger and wait is tested without threads or clocks.
 *
 * @param flushIntervalNanos {@code flush_interval}: the oldest event's age that makes a batch due
 * @param deliveryTimeoutNanos {@code delivery_timeout}: the oldest event's age that expires it
 * @param pollNanos the longest wait, so drops counted by {@code store()} are reported and
 *     deadlines re-checked at least this often
 */
record BatchPolicy(long flushIntervalNanos, long deliveryTimeoutNanos, long pollNanos) {

    /**
     * What the batcher sees.
     *
     * @param events buffered events
     * @param bytes their bytes
     * @param headAgeNanos age of the oldest buffered event (0 when none)
     * @param headFlushRequested whether a pending {@code flush()} waits for the oldest event
     * @param closed whether {@code close()} has begun
     * @param slotFree whether fewer than {@code max_in_flight} batches are under way
     * @param maxCount most events in one request now
     * @param maxBytes most bytes in one request now
     */
    record State(
            int events,
            long bytes,
            long headAgeNanos,
            boolean headFlushRequested,
            boolean closed,
            boolean slotFree,
            int maxCount,
            long maxBytes) {}

    /** The batcher's next step. */
    sealed interface Decision {}

    /** Cut a batch now, for this reason. */
    record Cut(FlushTrigger trigger) implements Decision {}

    /** The oldest events passed {@code delivery_timeout}: take them out for the spool or a drop. */
    record Expire() implements Decision {}

    /** Nothing to do for up to {@code nanos}, unless woken. */
    record Wait(long nanos) implements Decision {}

    Decision decide(State s) {
        if (s.events() == 0) {
            return new Wait(pollNanos);
        }
        if (s.headAgeNanos() >= deliveryTimeoutNanos) {
            return new Expire();
        }
        if (!s.slotFree()) {
            // Every slot busy (typically holding batches while DataStorage is unavailable): no new
            // batch is cut, events wait in the bounded buffer.
            return new Wait(Math.min(pollNanos, deliveryTimeoutNanos - s.headAgeNanos()));
        }
        if (s.events() >= s.maxCount()) {
            return new Cut(FlushTrigger.SIZE);
        }
        if (s.bytes() >= s.maxBytes()) {
            return new Cut(FlushTrigger.BYTES);
        }
        if (s.closed()) {
            return new Cut(FlushTrigger.CLOSE);
        }
        if (s.headFlushRequested()) {
            return new Cut(FlushTrigger.EXPLICIT);
        }
        if (s.headAgeNanos() >= flushIntervalNanos) {
            return new Cut(FlushTrigger.AGE);
        }
        return new Wait(Math.min(pollNanos, flushIntervalNanos - s.headAgeNanos()));
    }
}
