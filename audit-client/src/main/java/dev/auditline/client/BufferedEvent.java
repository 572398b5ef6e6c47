package dev.auditline.client;

import dev.auditline.api.AuditEvent;

/**
 * One stored event; {@code settled} is guarded by the ledger's lock. It means "no longer owned by
 * a sender": set when the event became terminal, or when it was claimed for the spool or a drop
 * (it is then still counted in flight until {@link Ledger#finishClaimed}).
 */
final class BufferedEvent {
    final AuditEvent event;
    final long seq;
    final long enqueuedNanos;
    final int bytes;
    boolean settled;

    BufferedEvent(AuditEvent event, long seq, long enqueuedNanos, int bytes) {
        this.event = event;
        this.seq = seq;
        this.enqueuedNanos = enqueuedNanos;
        this.bytes = bytes;
    }

    int bytes() {
        return bytes;
    }
}
