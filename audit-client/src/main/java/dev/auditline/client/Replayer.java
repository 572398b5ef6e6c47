package dev.auditline.client;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.FieldViolation;
import dev.auditline.api.internal.Secrets;
import dev.auditline.api.wire.ItemResult;
import dev.auditline.spool.EventBatchCodec;
import dev.auditline.spool.ReplayResult;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replayer thread ({@code auditline-replayer-<service>}): seals the spool's open segment and
 * replays it when records are waiting — at start (records an earlier process left), {@value
 * #SEAL_INTERVAL_MILLIS} ms after this process spooled, after a failed replay's backoff, and at
 * once when a live request gets a 2xx again. One request at a time, without retries: any verdict
 * but stored, split or rejected stops the replay, which is tried again later with backoff.
 *
 * <p>Fresh events keep priority: a replay request starts only while a sender slot is idle and does
 * not take one, so at most {@code max_in_flight} + 1 requests run and a hanging replay never
 * delays a fresh batch. Its schedule and its counters (replayed, recovered) are its own, under its
 * own lock; the events of this process's records are settled through the {@link Ledger}.
 */
final class Replayer {
    private static final Logger log = LoggerFactory.getLogger(BufferedAuditStore.class);

    /** How long records this process spooled sit in the open segment before it is sealed and replayed: {@value} ms. */
    static final long SEAL_INTERVAL_MILLIS = 1000;

    private static final long SEAL_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(SEAL_INTERVAL_MILLIS);

    /** Longest the replayer waits before looking at its deadlines again: {@value} ms. */
    private static final long POLL_MILLIS = 100;

    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(POLL_MILLIS);

    private final ClientSpool spool;
    private final BatchSink sink;
    private final Ledger ledger;
    private final ServerLimitsTracker limits;
    private final RetryPolicy retryPolicy;
    private final BufferedAuditStore.Ticker ticker;
    private final SendMetrics metrics;
    private final DeliveryLog deliveryLog;
    private final Spiller spiller;

    private final ReentrantLock lock = new ReentrantLock();
    /** A replay asked for, a backoff cut short, or stop. */
    private final Condition wake = lock.newCondition();

    // Guarded by lock.
    private boolean stopped;
    private boolean requested;
    private boolean unsealedRecords;
    private long notBeforeNanos;
    private int failures;
    private String lastError;
    private long recoveredRecords;
    private long recoveredPendingRecords;
    private long recoveredAcked;
    private long recoveredRejected;
    private long recoveredDropped;
    private long replayedRecords;
    private long replayedEvents;

    /** Set by {@link #replayRecord} when interrupted; the flag is restored only after the spool saved its progress. */
    private volatile boolean interrupted;

    Replayer(
            ClientSpool spool,
            BatchSink sink,
            Ledger ledger,
            ServerLimitsTracker limits,
            RetryPolicy retryPolicy,
            BufferedAuditStore.Ticker ticker,
            SendMetrics metrics,
            DeliveryLog deliveryLog,
            Spiller spiller) {
        this.spool = spool;
        this.sink = sink;
        this.ledger = ledger;
        this.limits = limits;
        this.retryPolicy = retryPolicy;
        this.ticker = ticker;
        this.metrics = metrics;
        this.deliveryLog = deliveryLog;
        this.spiller = spiller;
        long recovered = spool.stats().pendingRecords();
        this.recoveredRecords = recovered;
        this.recoveredPendingRecords = recovered;
        this.requested = recovered > 0;
        if (recovered > 0) {
            log.info("audit spool {} holds {} records from an earlier process; replaying them", spool.dir(), recovered);
        }
    }

    /** This process appended a record: replay it after the seal interval. */
    void recordSpooled() {
        lock.lock();
        try {
            if (!unsealedRecords) {
                unsealedRecords = true;
                wake.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** DataStorage answered 2xx: a replay backing off after failures may try again now. */
    void serverAnswered() {
        lock.lock();
        try {
            if (failures > 0) {
                notBeforeNanos = ticker.nanoTime();
                wake.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Re-check the deadlines now (tests move their ticker). */
    void nudge() {
        lock.lock();
        try {
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    void stop() {
        lock.lock();
        try {
            stopped = true;
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The spool part of {@link AuditClientStats}, with the spilling count and disk figures added by the caller. */
    AuditClientStats.SpoolSummary summary(int spillingEvents) {
        var disk = spool.stats();
        lock.lock();
        try {
            return new AuditClientStats.SpoolSummary(
                    true,
                    spillingEvents,
                    disk.pendingBytes(),
                    disk.pendingRecords(),
                    disk.pendingSegments(),
                    disk.refusedRecords(),
                    replayedRecords,
                    replayedEvents,
                    failures,
                    lastError,
                    recoveredRecords,
                    recoveredPendingRecords,
                    recoveredAcked,
                    recoveredRejected,
                    recoveredDropped,
                    spool.rejectedWrites(),
                    spool.rejectedWriteFailures());
        } finally {
            lock.unlock();
        }
    }

    void run() {
        try {
            long lastAttempt = ticker.nanoTime() - SEAL_INTERVAL_NANOS;
            while (awaitDue(lastAttempt)) {
                lastAttempt = ticker.nanoTime();
                if (!replayOnce()) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            log.error("audit replayer thread failed; spooled events stay on disk for the next start", e);
            throw e;
        }
    }

    /** Waits until a replay is due; {@code false} once stopped. */
    private boolean awaitDue(long lastAttempt) throws InterruptedException {
        lock.lock();
        try {
            while (!stopped) {
                long now = ticker.nanoTime();
                // Deadlines are re-checked every poll, so that tests' tickers can move them.
                long poll = POLL_NANOS;
                long wait;
                if (failures > 0 && notBeforeNanos - now > 0) {
                    wait = notBeforeNanos - now;
                } else if (requested) {
                    break;
                } else if (unsealedRecords) {
                    wait = lastAttempt + SEAL_INTERVAL_NANOS - now;
                    if (wait <= 0) {
                        break;
                    }
                } else {
                    wait = SEAL_INTERVAL_NANOS; // idle: spooling and nudge() signal
                    poll = wait;
                }
                wake.awaitNanos(Math.min(wait, poll));
            }
            requested = false;
            unsealedRecords = false;
            return !stopped;
        } finally {
            lock.unlock();
        }
    }

    /** One seal and replay; {@code false} when the thread must stop. */
    private boolean replayOnce() {
        interrupted = false;
        String error = null;
        long recordsBefore;
        lock.lock();
        try {
            recordsBefore = replayedRecords;
        } finally {
            lock.unlock();
        }
        ReplayResult result = null;
        try {
            spool.seal();
            result = spool.replay(this::replayRecord);
        } catch (IOException e) {
            error = Secrets.mask(e.toString());
        } catch (RuntimeException e) {
            if (ledger.isStopped()) {
                return false; // the spool was closed under the replay: the store is closing
            }
            // A bug or an unexpected record must not end replay for good: retried with backoff.
            log.error("audit spool replay failed unexpectedly", Secrets.mask(e));
            error = Secrets.mask(e.toString());
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
            return false;
        }
        lock.lock();
        try {
            if (stopped) {
                return false;
            }
            if (result != null && result.drained()) {
                failures = 0;
            } else {
                if (error != null) {
                    lastError = error;
                }
                failures++;
                notBeforeNanos = ticker.nanoTime()
                        + retryPolicy.afterFailure(failures, null).toNanos();
                requested = true;
            }
            if (replayedRecords > recordsBefore) {
                log.info(
                        "replayed {} records from the audit spool{}",
                        replayedRecords - recordsBefore,
                        failures == 0 ? "" : "; stopped at a failure, retrying later: " + lastError);
            } else if (failures == 1) {
                log.warn("audit spool replay failed, retrying with backoff: {}", lastError);
            }
        } finally {
            lock.unlock();
        }
        return true;
    }

    /**
     * The spool's record handler: sends one record (re-cut to the server's limits if needed) and
     * acknowledges it once every event in it is acked, rejected or dropped as oversize. Any failure
     * leaves the record in the spool; it is sent again, whole, by a later replay.
     */
    private boolean replayRecord(byte[] payload) {
        try {
            if (!ledger.awaitIdleSlot(POLL_NANOS)) {
                return false;
            }
            List<AuditEvent> events;
            try {
                events = EventBatchCodec.decode(payload);
            } catch (IOException e) {
                log.error("skipping an unreadable audit spool record of {} bytes: {}", payload.length, e.toString());
                return true;
            }
            if (events.isEmpty()) {
                return true;
            }
            limits.askOnce(sink);
            ReplayTally tally = new ReplayTally();
            if (!sendChunks(events, tally)) {
                return false;
            }
            commit(events, tally);
            return true;
        } catch (InterruptedException e) {
            interrupted = true;
            return false;
        }
    }

    private boolean sendChunks(List<AuditEvent> events, ReplayTally tally) throws InterruptedException {
        long maxBytes = limits.maxBytes();
        List<AuditEvent> fitting = new ArrayList<>(events.size());
        for (AuditEvent e : events) {
            if (e.estimatedJsonBytes() > maxBytes) {
                tally.oversize++;
            } else {
                fitting.add(e);
            }
        }
        for (List<AuditEvent> chunk :
                Chunker.split(fitting, AuditEvent::estimatedJsonBytes, limits.maxCount(), maxBytes)) {
            if (!sendChunk(chunk, tally)) {
                return false;
            }
        }
        return true;
    }

    /** One attempt, no retries: a failure stops the replay, which is retried later with backoff. */
    private boolean sendChunk(List<AuditEvent> chunk, ReplayTally tally) throws InterruptedException {
        long start = ticker.nanoTime();
        SendOutcome outcome = null;
        Verdict verdict;
        try {
            outcome = sink.send(chunk);
            verdict = ResponseClassifier.classify(outcome);
        } catch (IOException | RuntimeException e) {
            verdict = ResponseClassifier.classify(e);
        }
        metrics.sent(outcome == null ? 0 : outcome.status(), ticker.nanoTime() - start, 1, chunk.size(), verdict);
        deliveryLog.answered(verdict.answer());
        if (outcome != null) {
            limits.learn(outcome);
        }
        if (verdict instanceof Verdict.Stored) {
            boolean[] isRejected = new boolean[chunk.size()];
            int rejectedCount = 0;
            if (outcome.response() != null) {
                for (ItemResult r : outcome.response().results()) {
                    if (r.status() != null && r.status().isRefused() && r.index() >= 0 && r.index() < chunk.size()) {
                        if (!isRejected[r.index()]) {
                            tally.reject(chunk.get(r.index()), r.error());
                            rejectedCount++;
                        }
                        isRejected[r.index()] = true;
                    }
                }
            }
            tally.acked += chunk.size() - rejectedCount;
            serverAnswered();
            return true;
        }
        if (verdict instanceof Verdict.TooLarge) {
            if (chunk.size() == 1) {
                tally.oversize++;
                return true;
            }
            int half = chunk.size() / 2;
            return sendChunks(new ArrayList<>(chunk.subList(0, half)), tally)
                    && sendChunks(new ArrayList<>(chunk.subList(half, chunk.size())), tally);
        }
        if (verdict instanceof Verdict.BadRequest) {
            if (Chunker.exceeds(chunk, AuditEvent::estimatedJsonBytes, limits.maxCount(), limits.maxBytes())) {
                return sendChunks(chunk, tally);
            }
            FieldViolation reason = new FieldViolation("request", verdict.answer());
            for (AuditEvent e : chunk) {
                tally.reject(e, reason);
            }
            return true;
        }
        // Unavailable, failed or undeliverable alike: the record stays in the spool and the whole
        // replay is tried again after a backoff.
        lock.lock();
        try {
            lastError = verdict.answer();
        } finally {
            lock.unlock();
        }
        return false;
    }

    /**
     * A replayed record went through. Its events become acked, rejected or dropped ({@code
     * oversize}): in the ledger when this process spooled the record, else in the {@code recovered}
     * counters, because an earlier process enqueued them.
     */
    private void commit(List<AuditEvent> events, ReplayTally tally) throws InterruptedException {
        long rejectedCount = tally.rejected.size();
        for (int i = 0; i < tally.rejected.size(); i++) {
            spiller.writeRejected(tally.rejected.get(i), tally.reasons.get(i));
        }
        boolean own = ledger.commitReplayed(
                SpoolRecordKey.of(events), events.size(), tally.acked, rejectedCount, tally.oversize);
        lock.lock();
        try {
            if (!own) {
                recoveredPendingRecords = Math.max(0, recoveredPendingRecords - 1);
                recoveredAcked += tally.acked;
                recoveredRejected += rejectedCount;
                recoveredDropped += tally.oversize;
            }
            replayedRecords++;
            replayedEvents += events.size();
        } finally {
            lock.unlock();
        }
        if (tally.oversize > 0) {
            deliveryLog.dropped(DropReason.OVERSIZE, tally.oversize, null);
        }
        if (rejectedCount > 0) {
            AuditEvent first = tally.rejected.get(0);
            FieldViolation reason = tally.reasons.get(0);
            deliveryLog.rejected(
                    "rejected",
                    rejectedCount,
                    "event " + first.eventId() + " " + (reason == null ? "(no detail)" : reason));
            deliveryLog.reportRejections(false);
        }
        deliveryLog.reportDrops(false);
    }
}
