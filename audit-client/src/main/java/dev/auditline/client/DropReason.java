package dev.auditline.client;

import java.util.Locale;

/** Why an event was dropped; the {@code reason} tag of the {@code dropped} outcome. */
public enum DropReason {
    /** The buffer was full (events or bytes) when {@code store()} was called. */
    BUFFER_FULL,
    /**
     * Every attempt failed with a retryable error, or the server refused the request in a way no
     * retry can fix soon (401, 403, 404, other 4xx): the events are valid but undeliverable now.
     */
    RETRIES_EXHAUSTED,
    /** The spool was full (arrives with the client spool). */
    SPOOL_FULL,
    /** The store was closed before the event could be delivered, or {@code store()} was called after close. */
    CLOSED,
    /** The event alone is larger than {@code max_batch_bytes} or than the server accepts in one request. */
    OVERSIZE;

    /** The metric tag value: {@code buffer_full}, {@code retries_exhausted}, … */
    public String tagValue() {
        return name().toLowerCase(Locale.ROOT);
    }
}
