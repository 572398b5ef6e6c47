package dev.auditline.client;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.wire.ServerLimits;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * One attempt at delivering one batch. The production sink POSTs to DataStorage; tests use fakes.
 *
 * <p>The sink makes exactly one attempt and reports what happened; retries, backoff, splitting and
 * the accounting of each event stay in {@link BufferedAuditStore}, so every sink gets them alike.
 * It is called from up to {@code max_in_flight} sender threads at once and must be thread-safe.
 */
@FunctionalInterface
public interface BatchSink {
    /**
     * Sends {@code events} once.
     *
     * @return the answer, whatever its status
     * @throws IOException when no answer arrived (connection refused or reset, timeout): retried
     * @throws InterruptedException when the store is closing and gave up on this request
     */
    SendOutcome send(List<AuditEvent> events) throws IOException, InterruptedException;

    /**
     * Asks the server for its request limits before the first batch, so that even the first batch
     * fits; called once per store, from a sender thread. Sinks that cannot ask return empty, and
     * the limits are then learned from the answers' headers.
     */
    default Optional<ServerLimits> fetchLimits() throws IOException, InterruptedException {
        return Optional.empty();
    }
}
