package dev.auditline.client;

import java.time.Duration;
import java.util.Map;

/** The identity's terms and the buffer's shape at one instant. */
record LedgerSnapshot(
        long enqueued,
        long acked,
        long rejected,
        Map<DropReason, Long> dropped,
        long spooled,
        long spooledPending,
        int bufferedEvents,
        long bufferedBytes,
        long inFlightEvents,
        int inFlightBatches,
        Duration oldestEventAge,
        int spillingEvents) {}
