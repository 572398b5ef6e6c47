package dev.auditline.client;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A FIFO of stored events bounded in events and bytes: the buffer, and the spill queue in front of
 * the spool. Not thread-safe: the {@link Ledger} uses it under its lock.
 */
final class EventQueue {
    private final int maxEvents;
    private final long maxBytes;
    private final ArrayDeque<BufferedEvent> events = new ArrayDeque<>();
    private long bytes;

    EventQueue(int maxEvents, long maxBytes) {
        this.maxEvents = maxEvents;
        this.maxBytes = maxBytes;
    }

    boolean hasRoom(int eventBytes) {
        return events.size() < maxEvents && bytes + eventBytes <= maxBytes;
    }

    void add(BufferedEvent e) {
        events.addLast(e);
        bytes += e.bytes;
    }

    /** The oldest event, or {@code null}. */
    BufferedEvent head() {
        return events.peekFirst();
    }

    int size() {
        return events.size();
    }

    long bytes() {
        return bytes;
    }

    boolean isEmpty() {
        return events.isEmpty();
    }

    /** Removes the oldest events that fit one request (see {@link Chunker#fit}). */
    List<BufferedEvent> takeChunk(int maxCount, long maxChunkBytes) {
        return take(Chunker.fit(events, BufferedEvent::bytes, maxCount, maxChunkBytes));
    }

    /** Removes the oldest events enqueued at or before {@code enqueuedBy}. */
    List<BufferedEvent> takeEnqueuedBy(long enqueuedBy) {
        int n = 0;
        for (BufferedEvent e : events) {
            if (e.enqueuedNanos > enqueuedBy) {
                break;
            }
            n++;
        }
        return take(n);
    }

    /** Removes everything. */
    List<BufferedEvent> takeAll() {
        return take(events.size());
    }

    private List<BufferedEvent> take(int n) {
        List<BufferedEvent> taken = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            BufferedEvent e = events.pollFirst();
            bytes -= e.bytes;
            taken.add(e);
        }
        return taken;
    }
}
