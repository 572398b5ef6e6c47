package dev.auditline.datastorage.fallback;

import dev.auditline.api.AuditEvent;
import dev.auditline.datastorage.metrics.ServerMetrics;
import dev.auditline.datastorage.store.EventRepository;
import dev.auditline.datastorage.store.InsertResult;
import dev.auditline.datastorage.store.StorageRejectedException;
import dev.auditline.datastorage.store.StorageUnavailableException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replays one fallback spool record into the database and decides what its failure means: the
 * spool's record handler, apart from the spool's state so that the rule reads in one place.
 *
 * <ul>
 *   <li>stored (or already stored): acknowledged;
 *   <li>the database is unavailable or busy: not acknowledged, the replay stops and is retried after
 *       a backoff (an outage ends; the record must wait for it). Only unavailable switches ingest to
 *       the spool: a busy database still takes new batches;
 *   <li>a fault of the server (bad SQL, an internal error): not acknowledged either, logged; it needs
 *       a fix of the server or the schema, after which the record goes through;
 *   <li>the database refused a value of the batch (a constraint or a trigger a DBA added): retrying
 *       cannot help, and the record would hold back every record behind it forever, so it is set
 *       aside whole in {@code refused/} ({@link SetAside}), counted, logged at ERROR and
 *       acknowledged. Whole, because the batch is one transaction: none of its events was stored;
 *   <li>a payload that cannot be decoded: set aside in {@code unreadable/} the same way.
 * </ul>
 *
 * A record that cannot be set aside (the disk refuses the file) stays spooled and is retried.
 */
final class RecordDelivery {
    private static final Logger LOG = LoggerFactory.getLogger(FallbackSpool.class);

    private final EventRepository repository;
    private final ServerMetrics metrics;
    private final SetAside setAside;
    private final Consumer<String> storageFailed;

    /** @param storageFailed told the reason when the database is found unavailable (not when busy) */
    RecordDelivery(
            EventRepository repository, ServerMetrics metrics, SetAside setAside, Consumer<String> storageFailed) {
        this.repository = repository;
        this.metrics = metrics;
        this.setAside = setAside;
        this.storageFailed = storageFailed;
    }

    /** @return {@code true} once the record is stored or durably set aside */
    boolean deliver(byte[] payload) {
        FallbackRecord record;
        try {
            record = FallbackRecord.decode(payload);
        } catch (IOException e) {
            return keepUnreadable(payload, e);
        }
        try {
            InsertResult result = repository.insertBatch(record.events(), record.ingestedBy());
            count(record, result);
            return true;
        } catch (StorageUnavailableException e) {
            if (e.busy()) {
                // busy is not down: new batches keep going to the database; this record waits a backoff
                LOG.warn("Fallback replay: the database is busy ({}); the record is retried", e.getMessage());
            } else {
                storageFailed.accept(e.getMessage());
            }
            return false;
        } catch (StorageRejectedException e) {
            return keepRefused(payload, record, e);
        } catch (RuntimeException e) {
            LOG.error(
                    "Fallback replay of a batch of {} events failed; it stays spooled",
                    record.events().size(),
                    e);
            return false;
        }
    }

    private void count(FallbackRecord record, InsertResult result) {
        int created = result.created().size();
        int conflicts = result.conflicts().size(); // positions of events not stored: their id holds other content
        if (conflicts > 0) {
            // answered 202 when spooled; the client cannot learn of it any more
            LOG.warn(
                    "Fallback replay: {} of {} spooled events were refused: their event_id is already stored"
                            + " with other content (e.g. {})",
                    conflicts,
                    record.events().size(),
                    record.events().get(result.conflicts().iterator().next()).eventId());
        }
        metrics.fallbackReplayed(created, record.events().size() - created - conflicts, conflicts);
        for (AuditEvent e : record.events()) {
            if (result.created().contains(e.eventId())) {
                metrics.lag(Duration.between(e.eventTimestamp(), result.ingestedAt()));
            }
        }
    }

    private boolean keepRefused(byte[] payload, FallbackRecord record, StorageRejectedException why) {
        List<AuditEvent> events = record.events();
        Path file;
        try {
            file = setAside.keep(SetAside.Reason.REFUSED, payload);
        } catch (IOException e) {
            LOG.error(
                    "Fallback replay: the database refused a spooled batch of {} events ({}), and it cannot be set"
                            + " aside; it stays spooled and holds back the records behind it",
                    events.size(),
                    why.getMessage(),
                    e);
            return false;
        }
        metrics.fallbackReplayRefused(events.size());
        metrics.fallbackSetAside(SetAside.Reason.REFUSED.directory);
        LOG.error(
                "Fallback replay: the database refused a spooled batch of {} events (ingested_by {}, event_id {}"
                        + " to {}); none of them is stored. The record is set aside as {} and skipped; the replay"
                        + " goes on. Remove the cause, then submit its events again. Refusal: {}",
                events.size(),
                record.ingestedBy() == null ? "(auth off)" : record.ingestedBy(),
                events.get(0).eventId(),
                events.get(events.size() - 1).eventId(),
                file,
                why.getMessage(),
                why);
        return true;
    }

    private boolean keepUnreadable(byte[] payload, IOException why) {
        Path file;
        try {
            file = setAside.keep(SetAside.Reason.UNREADABLE, payload);
        } catch (IOException e) {
            LOG.error("Fallback spool record cannot be decoded ({}) nor set aside; it stays spooled", why, e);
            return false;
        }
        metrics.fallbackSetAside(SetAside.Reason.UNREADABLE.directory);
        LOG.error("Fallback spool record cannot be decoded ({}); set aside as {} and skipped", why.getMessage(), file);
        return true;
    }
}
