package dev.auditline.client;

import java.util.List;

/** What {@link Ledger#nextBatch} hands the batcher: a batch for a sender, expired events, or a signal. */
final class Batch {
    /** Not a batch: the pipeline stopped. */
    static final Batch STOP = new Batch(List.of(), false, null, 0, 0);

    /** Not a batch: the batcher woke up, to report drops and look again. */
    static final Batch WOKEN = new Batch(List.of(), false, null, 0, 0);

    final List<BufferedEvent> entries;
    /** Buffered events past {@code delivery_timeout}, claimed for the spool or a drop, not for a sender. */
    final boolean expired;
    /** Why it was cut; {@code null} for expired events and signals. */
    final FlushTrigger trigger;

    final long bytes;
    final long cutNanos;

    Batch(List<BufferedEvent> entries, boolean expired, FlushTrigger trigger, long bytes, long cutNanos) {
        this.entries = entries;
        this.expired = expired;
        this.trigger = trigger;
        this.bytes = bytes;
        this.cutNanos = cutNanos;
    }
}
