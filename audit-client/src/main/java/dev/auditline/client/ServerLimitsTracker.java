package dev.auditline.client;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request limits in force: our own {@code batch_size} and {@code max_batch_bytes}, lowered by
 * what DataStorage announces ({@code GET /api/v1/limits} once, then the {@code Audit-Max-*} headers
 * of every answer). Learned by any sender thread, read by every thread that cuts.
 */
final class ServerLimitsTracker {
    private static final Logger log = LoggerFactory.getLogger(ServerLimitsTracker.class);

    /** Bytes of {@code {"events":[]}} around the events, reserved below the server's request limit. */
    static final int ENVELOPE_BYTES = 16;

    private final int configBatchSize;
    private final long configBatchBytes;
    private final AtomicBoolean asked = new AtomicBoolean();
    private volatile int serverMaxBatchSize = Integer.MAX_VALUE;
    private volatile long serverMaxRequestBytes = Long.MAX_VALUE;

    ServerLimitsTracker(int configBatchSize, long configBatchBytes) {
        this.configBatchSize = configBatchSize;
        this.configBatchBytes = configBatchBytes;
    }

    /** Most events in one request. */
    int maxCount() {
        return Math.min(configBatchSize, serverMaxBatchSize);
    }

    /** Most (estimated JSON) event bytes in one request. */
    long maxBytes() {
        long server = serverMaxRequestBytes;
        return Math.min(configBatchBytes, server == Long.MAX_VALUE ? server : server - ENVELOPE_BYTES);
    }

    /**
     * Asks {@code sink} for the server's limits, once per store, before its first request (by a
     * sender or the replayer, whichever comes first). A failure only means the limits are learned
     * from the answers' headers instead.
     */
    void askOnce(BatchSink sink) throws InterruptedException {
        if (!asked.compareAndSet(false, true)) {
            return;
        }
        try {
            sink.fetchLimits().ifPresent(announced -> {
                log.debug(
                        "server limits: max_batch_size={} max_request_bytes={}",
                        announced.maxBatchSize(),
                        announced.maxRequestBytes());
                learn(SendOutcome.status(200, null, null)
                        .withServerLimits(announced.maxBatchSize(), announced.maxRequestBytes()));
            });
        } catch (IOException | RuntimeException e) {
            log.debug("could not fetch server limits; learning them from answers instead: {}", e.toString());
        }
    }

    /** Takes the limits an answer announces, if any. */
    void learn(SendOutcome outcome) {
        if (outcome.maxBatchSize() > 0 && outcome.maxBatchSize() != serverMaxBatchSize) {
            log.debug("server max batch size is {}", outcome.maxBatchSize());
            serverMaxBatchSize = outcome.maxBatchSize();
        }
        if (outcome.maxRequestBytes() > ENVELOPE_BYTES && outcome.maxRequestBytes() != serverMaxRequestBytes) {
            log.debug("server max request bytes is {}", outcome.maxRequestBytes());
            serverMaxRequestBytes = outcome.maxRequestBytes();
        }
    }
}
