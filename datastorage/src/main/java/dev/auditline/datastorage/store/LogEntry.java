package dev.auditline.datastorage.store;

import dev.auditline.api.AuditEvent;
import java.time.LocalDate;
import java.util.UUID;

/**
 * One position of the log with the event stored there, as {@link EventRepository#findById} serves
 * it.
 *
 * @param event {@code null} when retention has removed the event (its leaf is still in the log)
 */
public record LogEntry(long logIndex, UUID eventId, LocalDate eventDate, AuditEvent event) {
    /** Whether retention removed the event of this position. */
    public boolean pruned() {
        return event == null;
    }
}
