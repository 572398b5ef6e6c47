package dev.auditline.client;

import java.util.Locale;

/** Why an event was dropped; the {@code reason} tag of the {@code dropped} outcome. */
public enum DropReason {
    /**
     * The buffer was full (events or bytes) when {@code store()} was called; with {@code overflow:
     * spill}, the spill queue to the spool was full as well.
     */
    BUFFER_FULL,
    /**
     * Every attempt failed with a retryable error, or the server refused the request in a way no
     * retry can fix soon (401, 403, 404, other 4xx): the events are valid but undeliverable now.
     * Only without a spool; with one, such events are spooled.
     */
    RETRIES_EXHAUSTED,
    /**
     * The client spool refused the events: {@code spool.max_bytes} reached, or the spool failed to
     * write (then it refuses until the store is restarted).
     */
    SPOOL_FULL,
    /**
     * The store was closed before the event could be delivered (without a spool), or {@code
     * store()} was called after close.
     */
    CLOSED,
    /** The event alone is larger than {@code max_batch_bytes} or than the server accepts in one request. */
    OVERSIZE;

    /** The metric tag value: {@code buffer_full}, {@code retries_exhausted}, … */
    public String tagValue() {
        return name().toLowerCase(Locale.ROOT);
    }
}
