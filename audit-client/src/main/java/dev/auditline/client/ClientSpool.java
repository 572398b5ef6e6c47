package dev.auditline.client;

import dev.auditline.api.AuditEvent;
import dev.auditline.spool.EventBatchCodec;
import dev.auditline.spool.RecordHandler;
import dev.auditline.spool.RejectedLog;
import dev.auditline.spool.ReplayResult;
import dev.auditline.spool.Spool;
import dev.auditline.spool.SpoolConfig;
import dev.auditline.spool.SpoolFullException;
import dev.auditline.spool.SpoolStats;
import dev.auditline.spool.internal.InsecureDirectoryException;
import dev.auditline.spool.internal.OwnerOnly;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's disk side: the {@link Spool} of undeliverable batches in {@code <spool.dir>/segments}
 * and the {@link RejectedLog} of events DataStorage refused as invalid in {@code
 * <spool.dir>/rejected}. It only does the I/O; what the events count as stays in {@link
 * BufferedAuditStore}, under its lock.
 */
final class ClientSpool implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClientSpool.class);

    static final String SEGMENTS_DIR = "segments";
    static final String REJECTED_DIR = "rejected";

    /** Smallest segment: header, one record header and a byte; the spool's own floor. */
    private static final long MIN_SEGMENT_BYTES = 64;

    private final Path dir;
    private final Spool spool;
    private final RejectedLog rejectedLog;
    private final AtomicLong rejectedWrites = new AtomicLong();
    private final AtomicLong rejectedWriteFailures = new AtomicLong();

    private ClientSpool(Path dir, Spool spool, RejectedLog rejectedLog) {
        this.dir = dir;
        this.spool = spool;
        this.rejectedLog = rejectedLog;
    }

    /**
     * Opens (creating) both parts under {@code dir}, recovering what an earlier process left.
     *
     * @throws IOException when the directory cannot be used, e.g. another store holds it
     */
    static ClientSpool open(Path dir, long maxBytes, Clock clock) throws IOException {
        // Space comes back a whole segment at a time, so a segment is a fraction of the bound.
        long segmentBytes = Math.max(MIN_SEGMENT_BYTES, Math.min(SpoolConfig.DEFAULT_SEGMENT_BYTES, maxBytes / 8));
        Spool spool;
        try {
            // the spool's own directory is checked by the spool; its parent, spool.dir, here
            OwnerOnly.createDirectories(dir);
            OwnerOnly.checkNotWritableByOthers(dir, "audit.spool.dir");
            spool = Spool.open(
                    SpoolConfig.of(dir.resolve(SEGMENTS_DIR))
                            .withSegmentBytes(segmentBytes)
                            .withMaxBytes(Math.max(maxBytes, segmentBytes)),
                    clock);
        } catch (InsecureDirectoryException e) {
            // a setting to change, not an I/O failure: said like every other configuration problem
            throw new AuditConfigException(List.of(
                    e.getMessage().startsWith("audit.spool.dir")
                            ? e.getMessage()
                            : "audit.spool.dir: " + e.getMessage()));
        }
        try {
            return new ClientSpool(dir, spool, RejectedLog.open(dir.resolve(REJECTED_DIR), clock));
        } catch (IOException | RuntimeException e) {
            try {
                spool.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    Path dir() {
        return dir;
    }

    /** Writes the events as one record; returns once it is fsynced. */
    void append(List<AuditEvent> events) throws SpoolFullException, IOException {
        spool.append(EventBatchCodec.encode(events));
    }

    void seal() throws IOException {
        spool.seal();
    }

    ReplayResult replay(RecordHandler handler) throws IOException {
        return spool.replay(handler);
    }

    SpoolStats stats() {
        return spool.stats();
    }

    /**
     * Keeps a rejected event with the server's reason. A failure is logged and counted, not thrown:
     * the event is rejected either way and the caller is a sender thread that must go on.
     */
    void writeRejected(AuditEvent event, String field, String detail) {
        try {
            rejectedLog.append(event, field, detail);
            rejectedWrites.incrementAndGet();
        } catch (IOException | RuntimeException e) {
            rejectedWriteFailures.incrementAndGet();
            log.warn("could not write rejected audit event {} to {}", event.eventId(), rejectedLog.file(), e);
        }
    }

    long rejectedWrites() {
        return rejectedWrites.get();
    }

    long rejectedWriteFailures() {
        return rejectedWriteFailures.get();
    }

    /** Seals the open segment (so the next process replays it) and releases the directory. */
    @Override
    public void close() throws IOException {
        try {
            spool.close();
        } finally {
            rejectedLog.close();
        }
    }
}
