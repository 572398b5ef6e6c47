package dev.auditline.client;

import java.util.Locale;

/** Why the batching thread cut a batch; the {@code trigger} tag of the flush metric. */
public enum FlushTrigger {
    /** {@code batch_size} events were buffered. */
    SIZE,
    /** The buffered events reached {@code max_batch_bytes}. */
    BYTES,
    /** The oldest buffered event reached {@code flush_interval}. */
    AGE,
    /** {@link AuditStore#flush} was called. */
    EXPLICIT,
    /** {@link AuditStore#close} is draining the buffer. */
    CLOSE;

    public String tagValue() {
        return name().toLowerCase(Locale.ROOT);
    }
}
