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
     * A reachable DataStorage failed this batch ({@code 500} and other 5xx that do not mean
     * "unavailable", or no answer within {@code timeout} after the request was sent) on the first
     * attempt and on {@code max_retries} retries, or refused it with a 4xx no retry fixes (other than
     * 400, 401, 403, 404, 413). Only without a spool; with one, such events are spooled.
     */
    RETRIES_EXHAUSTED,
    /**
     * The event waited longer than {@code buffer.delivery_timeout} since its own {@code store()}
     * (typically because DataStorage was unavailable that long). Only without a spool; with one,
     * such events are spooled.
     */
    DELIVERY_TIMEOUT,
    /**
     * DataStorage answered {@code 401} or {@code 403}: the token ({@code auth.token_file}) is missing,
     * wrong or not allowed to write. Only without a spool; with one, such events are spooled.
     */
    UNAUTHORIZED,
    /**
     * DataStorage (or whatever answers at {@code datastorage_url}) answered {@code 404}: the URL does
     * not lead to the batch endpoint. Only without a spool; with one, such events are spooled.
     */
    NOT_FOUND,
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

    /** What an operator can do about drops of this kind, for the WARN summary. */
    String remedy() {
        return switch (this) {
            case BUFFER_FULL -> "DataStorage was slower or away longer than the buffer holds: raise buffer.buffer_size"
                    + " / buffer.max_buffer_bytes, or set spool.dir with buffer.overflow: spill";
            case RETRIES_EXHAUSTED -> "DataStorage failed these batches (see its log); raise buffer.max_retries or"
                    + " set spool.dir to keep such events for replay";
            case DELIVERY_TIMEOUT -> "DataStorage was unavailable for longer than buffer.delivery_timeout; check it"
                    + " and datastorage_url, raise buffer.delivery_timeout, or set spool.dir to keep such events";
            case UNAUTHORIZED -> "check auth.token_file and that DataStorage's tokens file holds that token with"
                    + " write access; set spool.dir to keep such events until it is fixed";
            case NOT_FOUND -> "check datastorage_url: it must be DataStorage's base URL (the client adds"
                    + " /api/v1/audit/events/batch)";
            case SPOOL_FULL -> "raise spool.max_bytes or free the disk of spool.dir, and check that DataStorage is up";
            case CLOSED -> "close() ran out of time or store() was called after close(); give close() a longer"
                    + " timeout or set spool.dir";
            case OVERSIZE -> "the event alone exceeds buffer.max_batch_bytes or DataStorage's max_request_bytes;"
                    + " make event_data smaller";
        };
    }

    /** The metric tag value: {@code buffer_full}, {@code retries_exhausted}, … */
    public String tagValue() {
        return name().toLowerCase(Locale.ROOT);
    }
}
