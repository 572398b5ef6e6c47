package dev.auditline.spool;

import dev.auditline.api.AuditEvent;
import java.time.Instant;

/**
 * One line of the rejected file: an event DataStorage refused as invalid, with its reason.
 *
 * @param rejectedAt when the rejection was recorded (the recorder's clock)
 * @param field the field the server named, e.g. {@code event_type}
 * @param detail the server's explanation, e.g. {@code must match [a-z0-9_.-]+ (got "Bad Type")}
 * @param event the event as it was sent
 */
public record RejectedEntry(Instant rejectedAt, String field, String detail, AuditEvent event) {}
