package dev.auditline.client;

import dev.auditline.api.AuditEvent;
import java.util.List;
import java.util.UUID;

/**
 * Tells a record this process spooled from one an earlier process left: its first event's id
 * and its size. Only an earlier process's record with the same first event and size, i.e. the
 * same event stored again after a restart, could be taken for this process's; the counts then
 * swap between {@code acked} and {@code recovered_acked}, and the identity still holds.
 */
record SpoolRecordKey(UUID firstEventId, int events) {
    static SpoolRecordKey of(List<AuditEvent> events) {
        return new SpoolRecordKey(events.get(0).eventId(), events.size());
    }
}
