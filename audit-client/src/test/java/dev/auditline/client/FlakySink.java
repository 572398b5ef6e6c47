package dev.auditline.client;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.FieldViolation;
import dev.auditline.api.wire.BatchResponse;
import dev.auditline.api.wire.ItemResult;
import dev.auditline.api.wire.ItemStatus;
import java.io.IOException;
import java.net.ConnectException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.function.Predicate;

/**
 * A {@link BatchSink} fake standing for a DataStorage that goes down and comes back: while {@link
 * #down()} every attempt fails with "connection refused" (the server is unavailable), while {@link
 * #failing()} every attempt is answered {@code 500} (the server fails the batch); while up it stores every event (remembering
 * every acked id, duplicates included) and rejects those {@link #rejecting} matches. Requests that
 * {@link #holdIf} matches hang until {@link #release()}.
 */
final class FlakySink implements BatchSink {
    static final FieldViolation CONFLICT = new FieldViolation("event_id", "already stored with other content");
    static final FieldViolation REASON = new FieldViolation("event_type", "must match [a-z0-9_.-]+ (got \"Bad\")");

    /** Every acked id in delivery order; a replay may repeat an id, which DataStorage would dedup. */
    final List<UUID> ackedIds = new CopyOnWriteArrayList<>();

    final Set<UUID> distinctAcked = ConcurrentHashMap.newKeySet();
    final List<List<AuditEvent>> held = new CopyOnWriteArrayList<>();
    private volatile boolean down;
    private volatile boolean failing;
    private volatile Predicate<AuditEvent> rejecting = e -> false;
    private volatile Predicate<AuditEvent> conflicting = e -> false;
    private volatile Predicate<List<AuditEvent>> holdIf = r -> false;
    private final CountDownLatch release = new CountDownLatch(1);

    FlakySink down() {
        down = true;
        return this;
    }

    /** Answers every attempt with {@code 500}: reachable, but failing each batch, so retries run out. */
    FlakySink failing() {
        failing = true;
        return this;
    }

    FlakySink up() {
        down = false;
        failing = false;
        return this;
    }

    FlakySink rejecting(Predicate<AuditEvent> rejecting) {
        this.rejecting = rejecting;
        return this;
    }

    /** Answers {@code conflict} (id already stored with other content) for the matching events. */
    FlakySink conflicting(Predicate<AuditEvent> conflicting) {
        this.conflicting = conflicting;
        return this;
    }

    FlakySink holdIf(Predicate<List<AuditEvent>> holdIf) {
        this.holdIf = holdIf;
        return this;
    }

    void release() {
        release.countDown();
    }

    @Override
    public SendOutcome send(List<AuditEvent> events) throws IOException, InterruptedException {
        if (holdIf.test(events)) {
            held.add(List.copyOf(events));
            release.await();
        }
        if (down) {
            throw new ConnectException("connection refused");
        }
        if (failing) {
            return SendOutcome.status(500, null, "transaction failed");
        }
        List<ItemResult> results = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            AuditEvent e = events.get(i);
            if (rejecting.test(e)) {
                results.add(new ItemResult(i, e.eventId(), ItemStatus.REJECTED, REASON));
            } else if (conflicting.test(e)) {
                results.add(new ItemResult(i, e.eventId(), ItemStatus.CONFLICT, CONFLICT));
            } else {
                ackedIds.add(e.eventId());
                distinctAcked.add(e.eventId());
            }
        }
        return SendOutcome.stored(
                new BatchResponse(events.size() - results.size(), 0, results.size(), List.copyOf(results)));
    }
}
