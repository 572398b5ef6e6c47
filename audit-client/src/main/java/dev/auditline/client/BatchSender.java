package dev.auditline.client;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.FieldViolation;
import dev.auditline.api.internal.Secrets;
import dev.auditline.api.wire.ItemResult;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a sender thread does with one batch: re-cut it to the server's limits, send each chunk,
 * and act on the {@link Verdict} — settle stored and rejected events, split on 413, hold and probe
 * while DataStorage is unavailable, retry a failed chunk up to {@code max_retries} times, and give
 * up to the {@link Spiller} (spool or drop) otherwise. Kafka's {@code Sender}, OpenTelemetry's
 * exporter loop: the only place that turns answers into outcomes for live batches.
 */
final class BatchSender {
    private static final Logger log = LoggerFactory.getLogger(BufferedAuditStore.class);

    private final BatchSink sink;
    private final Ledger ledger;
    private final ServerLimitsTracker limits;
    private final RetryPolicy retryPolicy;
    private final int maxRetries;
    private final long deliveryTimeoutNanos;
    private final BufferedAuditStore.Sleeper sleeper;
    private final BufferedAuditStore.Ticker ticker;
    private final SendMetrics metrics;
    private final DeliveryLog deliveryLog;
    private final Spiller spiller;
    /** Told about every 2xx, so a replay backing off resumes; a no-op without a spool. */
    private final Runnable serverAnswered;

    BatchSender(
            BatchSink sink,
            Ledger ledger,
            ServerLimitsTracker limits,
            RetryPolicy retryPolicy,
            AuditClientConfig.Buffer settings,
            BufferedAuditStore.Sleeper sleeper,
            BufferedAuditStore.Ticker ticker,
            SendMetrics metrics,
            DeliveryLog deliveryLog,
            Spiller spiller,
            Runnable serverAnswered) {
        this.sink = sink;
        this.ledger = ledger;
        this.limits = limits;
        this.retryPolicy = retryPolicy;
        this.maxRetries = settings.maxRetries();
        this.deliveryTimeoutNanos = settings.deliveryTimeout().toNanos();
        this.sleeper = sleeper;
        this.ticker = ticker;
        this.metrics = metrics;
        this.deliveryLog = deliveryLog;
        this.spiller = spiller;
        this.serverAnswered = serverAnswered;
    }

    /** Runs on a sender thread: delivers the batch, then frees its slot. */
    void deliver(Batch batch) {
        try {
            limits.askOnce(sink);
            deliverChunks(batch.entries);
        } catch (InterruptedException e) {
            // close() gave up on this request and already claimed its events.
            Thread.currentThread().interrupt();
            ledger.finishBatch(batch, DropReason.CLOSED);
            deliveryLog.reportDrops(false);
            return;
        } catch (RuntimeException | Error e) {
            log.error("audit sender failed on a batch of {} events", batch.entries.size(), Secrets.mask(e));
        }
        ledger.finishBatch(batch, DropReason.RETRIES_EXHAUSTED);
        deliveryLog.reportDrops(false);
    }

    /** Sends {@code entries} in requests that fit the server's current limits. */
    private void deliverChunks(List<BufferedEvent> entries) throws InterruptedException {
        long maxBytes = limits.maxBytes();
        List<BufferedEvent> fitting = new ArrayList<>(entries.size());
        for (BufferedEvent e : entries) {
            if (e.bytes > maxBytes) {
                ledger.settle(List.of(e), Ledger.Outcome.DROPPED, DropReason.OVERSIZE);
            } else {
                fitting.add(e);
            }
        }
        for (List<BufferedEvent> chunk : Chunker.split(fitting, BufferedEvent::bytes, limits.maxCount(), maxBytes)) {
            sendChunk(chunk);
        }
    }

    /**
     * Delivers one chunk. While the server is unavailable the chunk is held and probed again after
     * {@link RetryPolicy#beforeProbe}, consuming none of its {@code max_retries}; only a reachable
     * server failing this chunk consumes an attempt. Events older than {@code delivery_timeout} are
     * taken out before each attempt and spooled or dropped.
     */
    private void sendChunk(List<BufferedEvent> chunk) throws InterruptedException {
        int failures = 0;
        int probes = 0;
        for (int attempt = 1; ; attempt++) {
            chunk = expireOverdue(chunk);
            if (chunk.isEmpty()) {
                return; // close() gave up on these events, or they all passed delivery_timeout
            }
            Verdict verdict = send(chunk, attempt);
            if (verdict instanceof Verdict.Stored stored) {
                settleStored(chunk, stored.outcome());
                return;
            } else if (verdict instanceof Verdict.TooLarge) {
                if (chunk.size() == 1) {
                    ledger.settle(chunk, Ledger.Outcome.DROPPED, DropReason.OVERSIZE);
                } else {
                    int half = chunk.size() / 2;
                    deliverChunks(new ArrayList<>(chunk.subList(0, half)));
                    deliverChunks(new ArrayList<>(chunk.subList(half, chunk.size())));
                }
                return;
            } else if (verdict instanceof Verdict.BadRequest bad) {
                rejectWholeRequest(chunk, bad.outcome());
                return;
            } else if (verdict instanceof Verdict.Unavailable unavailable) {
                probes++;
                metrics.retried();
                sleeper.sleep(untilFirstExpiry(chunk, retryPolicy.beforeProbe(probes, unavailable.retryAfter())));
            } else if (verdict instanceof Verdict.Failed failed) {
                failures++;
                if (failures > maxRetries) {
                    giveUp(chunk, DropReason.RETRIES_EXHAUSTED, failed.answer());
                    return;
                }
                metrics.retried();
                sleeper.sleep(untilFirstExpiry(chunk, retryPolicy.afterFailure(failures, failed.retryAfter())));
            } else {
                Verdict.Undeliverable undeliverable = (Verdict.Undeliverable) verdict;
                giveUp(chunk, undeliverable.reason(), undeliverable.answer());
                return;
            }
        }
    }

    /** One attempt, measured and classified. */
    private Verdict send(List<BufferedEvent> chunk, int attempt) throws InterruptedException {
        List<AuditEvent> events = new ArrayList<>(chunk.size());
        for (BufferedEvent e : chunk) {
            events.add(e.event);
        }
        long start = ticker.nanoTime();
        SendOutcome outcome = null;
        Verdict verdict;
        try {
            outcome = sink.send(events);
            verdict = ResponseClassifier.classify(outcome);
        } catch (IOException e) {
            verdict = ResponseClassifier.classify(e);
        } catch (RuntimeException e) {
            // A broken sink must not lose events silently: treat it like a failed request.
            log.warn("audit sink failed unexpectedly", Secrets.mask(e));
            verdict = ResponseClassifier.classify(e);
        }
        metrics.sent(outcome == null ? 0 : outcome.status(), ticker.nanoTime() - start, attempt, chunk.size(), verdict);
        deliveryLog.answered(verdict.answer());
        if (outcome != null) {
            limits.learn(outcome);
        }
        return verdict;
    }

    private void giveUp(List<BufferedEvent> chunk, DropReason reason, String answer) {
        deliveryLog.undeliverable(chunk.size(), reason, answer);
        spiller.spoolOrDrop(chunk, reason);
    }

    /**
     * The entries of {@code chunk} that are still this sender's to deliver: those close() claimed
     * are left out, and those older than {@code delivery_timeout} are spooled or dropped first.
     */
    private List<BufferedEvent> expireOverdue(List<BufferedEvent> chunk) {
        Ledger.Overdue split = ledger.claimOverdue(chunk, ticker.nanoTime(), deliveryTimeoutNanos);
        if (!split.claimed().isEmpty()) {
            deliveryLog.undeliverable(split.claimed().size(), DropReason.DELIVERY_TIMEOUT, deliveryLog.lastAnswer());
            spiller.spoolOrDropClaimed(split.claimed(), DropReason.DELIVERY_TIMEOUT);
        }
        return split.live().size() == chunk.size() ? chunk : split.live();
    }

    /** {@code wait}, cut short so the sender is awake when the chunk's oldest event reaches delivery_timeout. */
    private Duration untilFirstExpiry(List<BufferedEvent> chunk, Duration wait) {
        long oldest = Long.MAX_VALUE;
        for (BufferedEvent e : chunk) {
            oldest = Math.min(oldest, e.enqueuedNanos);
        }
        long left = oldest + deliveryTimeoutNanos - ticker.nanoTime();
        return left < wait.toNanos() ? Duration.ofNanos(Math.max(0, left)) : wait;
    }

    private void rejectWholeRequest(List<BufferedEvent> chunk, SendOutcome outcome) throws InterruptedException {
        if (Chunker.exceeds(chunk, BufferedEvent::bytes, limits.maxCount(), limits.maxBytes())) {
            deliverChunks(chunk); // the server announced smaller limits with its refusal
            return;
        }
        deliveryLog.rejected("whole_request_400", chunk.size(), outcome.detail());
        FieldViolation reason =
                new FieldViolation("request", "status 400" + (outcome.detail() == null ? "" : ": " + outcome.detail()));
        for (BufferedEvent e : chunk) {
            spiller.writeRejected(e.event, reason);
        }
        ledger.settle(chunk, Ledger.Outcome.REJECTED, null);
        deliveryLog.report(false);
    }

    /** A 2xx: the items the body lists as rejected are rejected, all others acked. */
    private void settleStored(List<BufferedEvent> chunk, SendOutcome outcome) {
        Map<BufferedEvent, FieldViolation> rejections = new IdentityHashMap<>();
        String example = null;
        if (outcome.response() != null) {
            for (ItemResult r : outcome.response().results()) {
                if (r.status() != null && r.status().isRefused() && r.index() >= 0 && r.index() < chunk.size()) {
                    BufferedEvent e = chunk.get(r.index());
                    if (!rejections.containsKey(e)) {
                        rejections.put(e, r.error());
                    }
                    if (example == null) {
                        example = "event " + e.event.eventId() + " "
                                + (r.error() == null ? "(no detail)" : r.error().toString());
                    }
                }
            }
        }
        List<BufferedEvent> ok = new ArrayList<>(chunk.size() - rejections.size());
        List<BufferedEvent> bad = new ArrayList<>(rejections.size());
        for (BufferedEvent e : chunk) {
            (rejections.containsKey(e) ? bad : ok).add(e);
        }
        // Written before the events count as rejected, so a flush that returns finds them in the file.
        for (BufferedEvent e : bad) {
            spiller.writeRejected(e.event, rejections.get(e));
        }
        long now = ticker.nanoTime();
        ledger.settleAnswered(ok, bad);
        serverAnswered.run();
        for (BufferedEvent e : ok) {
            metrics.delivered(Math.max(0, now - e.enqueuedNanos));
        }
        if (!bad.isEmpty()) {
            deliveryLog.rejected("rejected", bad.size(), example);
            deliveryLog.reportRejections(false);
        }
    }
}
