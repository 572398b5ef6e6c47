package dev.auditline.client;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.wire.BatchResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/**
 * A hand-written {@link BatchSink} fake: records every attempt and answers with what the test's
 * responder says (by default {@code 200}, everything created). {@link #blockFirst()} makes the
 * first attempt hang until {@link #release()}, to stand for a stalled request.
 */
final class ScriptedSink implements BatchSink {
    /** Decides the answer to one attempt; may throw {@link IOException} for "no answer". */
    @FunctionalInterface
    interface Responder {
        SendOutcome respond(List<AuditEvent> events, int attempt) throws IOException;
    }

    static final Responder ALL_CREATED = (events, attempt) -> created(events.size());

    final List<List<AuditEvent>> attempts = new CopyOnWriteArrayList<>();
    private final Responder responder;
    private final CountDownLatch release = new CountDownLatch(1);
    private volatile boolean blockFirst;
    private volatile boolean blockAll;

    ScriptedSink() {
        this(ALL_CREATED);
    }

    ScriptedSink(Responder responder) {
        this.responder = responder;
    }

    static SendOutcome created(int n) {
        return SendOutcome.stored(new BatchResponse(n, 0, 0, List.of()));
    }

    ScriptedSink blockFirst() {
        blockFirst = true;
        return this;
    }

    ScriptedSink blockAll() {
        blockAll = true;
        return this;
    }

    void release() {
        release.countDown();
    }

    @Override
    public SendOutcome send(List<AuditEvent> events) throws IOException, InterruptedException {
        int attempt;
        synchronized (attempts) {
            attempts.add(List.copyOf(events));
            attempt = attempts.size();
        }
        if (blockAll || (blockFirst && attempt == 1)) {
            release.await();
        }
        return responder.respond(events, attempt);
    }

    int attemptCount() {
        return attempts.size();
    }

    List<Integer> attemptSizes() {
        List<Integer> sizes = new ArrayList<>();
        for (List<AuditEvent> a : attempts) {
            sizes.add(a.size());
        }
        return sizes;
    }
}
