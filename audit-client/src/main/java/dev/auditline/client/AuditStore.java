package dev.auditline.client;

import dev.auditline.api.AuditEvent;
import java.time.Duration;

/**
 * Where a service hands its audit events. Implementations buffer and deliver them in the
 * background; the calling thread never waits for the network.
 *
 * <p>Every event handed to {@link #store} reaches exactly one terminal state (acked, rejected,
 * spooled or dropped with a reason), visible in the implementation's statistics.
 */
public interface AuditStore extends AutoCloseable {
    /** Used by {@link #close()}: {@value} seconds. */
    long DEFAULT_CLOSE_TIMEOUT_SECONDS = 10;

    /**
     * Accepts an event for delivery. Never does I/O and never waits, except with {@code overflow:
     * block}, and then at most {@code block_timeout}.
     *
     * @return {@code true} when the event was buffered; {@code false} when it was dropped at once
     *     (buffer full, larger than a request may be, or the store is closed), which is counted
     */
    boolean store(AuditEvent event);

    /**
     * Sends every buffered event now and waits until each event stored before this call is in a
     * terminal state, or until {@code timeout} passes.
     */
    FlushReport flush(Duration timeout);

    /**
     * Stops intake, sends what is buffered, waits for requests in flight until {@code timeout},
     * and spools (when a spool is configured) or drops (reason {@code closed}) whatever is still
     * undelivered then. Idempotent: later calls return the first call's report.
     */
    CloseReport close(Duration timeout);

    /** {@link #close(Duration)} with {@link #DEFAULT_CLOSE_TIMEOUT_SECONDS}. */
    @Override
    default void close() {
        close(Duration.ofSeconds(DEFAULT_CLOSE_TIMEOUT_SECONDS));
    }
}
