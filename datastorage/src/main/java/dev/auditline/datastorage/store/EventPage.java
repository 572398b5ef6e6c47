package dev.auditline.datastorage.store;

import dev.auditline.api.AuditEvent;
import java.util.List;

/** One page of a query; {@code next} is {@code null} on the last page. */
public record EventPage(List<AuditEvent> events, PageCursor next) {
    public EventPage {
        events = List.copyOf(events);
    }
}
