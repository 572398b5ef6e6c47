package dev.auditline.datastorage.http;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.FieldViolation;
import dev.auditline.api.json.BodyRefusal;
import dev.auditline.api.json.EventDecoder;
import dev.auditline.api.log.LeafEncoding;
import dev.auditline.api.wire.BatchResponse;
import dev.auditline.api.wire.ItemResult;
import dev.auditline.api.wire.ItemStatus;
import dev.auditline.api.wire.ServerLimits;
import dev.auditline.datastorage.auth.Permission;
import dev.auditline.datastorage.fallback.FallbackSpool;
import dev.auditline.datastorage.metrics.ServerMetrics;
import dev.auditline.datastorage.store.EventRepository;
import dev.auditline.datastorage.store.InsertResult;
import dev.auditline.datastorage.store.StorageRejectedException;
import dev.auditline.datastorage.store.StorageUnavailableException;
import dev.auditline.spool.SpoolFullException;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Batch and single ingest (DESIGN §3): each item is decoded and validated on its own, the valid
 * ones go to the repository in one {@code insertBatch} (one transaction), the invalid ones are
 * reported by index and never stored.
 *
 * <p>With the fallback spool, valid events the database cannot take (it threw {@link
 * StorageUnavailableException} for an outage, or is known to be down) are fsynced to the spool instead and
 * answered {@code 202}: every valid item counts as created, since whether an id is already stored
 * cannot be known without the database (the replay settles it, and counts a conflict there). A
 * busy database ({@code 503 storage-busy}), a refused value ({@code 400 value-refused}) and a fault
 * of ours ({@code 500}) are answered as such, never spooled: they are not an outage, and a refused
 * value would fail the replay too.
 *
 * <p>An id already stored with the same content is a {@code duplicate}, with other content a
 * {@code conflict} ({@code 409} on the single route): the store decides, copy by copy, and never
 * stores an id twice.
 */
final class IngestRoutes {
    static final String BATCH = "/api/v1/audit/events/batch";
    static final String SINGLE = "/api/v1/audit/events";
    /** Seconds a client should wait after a 429 or 503 before retrying. */
    static final String RETRY_AFTER_SECONDS = "1";
    /** Seconds to wait after a 503 because the fallback spool is full: space comes back only by replay. */
    static final String SPOOL_FULL_RETRY_AFTER_SECONDS = "5";

    /** Why an item is a conflict: the answer's {@code error}. */
    static final FieldViolation CONFLICT_ERROR = new FieldViolation(
            "event_id",
            "already stored with other content; the stored event keeps its id: send a new event under a new id");

    private static final Logger LOG = LoggerFactory.getLogger(IngestRoutes.class);

    private final EventRepository repository;
    private final EventDecoder decoder;
    private final RequestBodies bodies;
    private final StorageGate gate;
    private final ServerMetrics metrics;
    private final ServerLimits limits;
    private final Clock clock;
    private final FallbackSpool fallback; // null: answer 503 while the database is down
    private final LogSignal logSignal;

    /** @param fallback {@code null} when {@code storage.fallback_spool.dir} is not set */
    IngestRoutes(
            EventRepository repository,
            FallbackSpool fallback,
            LogSignal logSignal,
            EventDecoder decoder,
            RequestBodies bodies,
            StorageGate gate,
            ServerMetrics metrics,
            ServerLimits limits,
            Clock clock) {
        this.repository = repository;
        this.fallback = fallback;
        this.logSignal = logSignal;
        this.decoder = decoder;
        this.bodies = bodies;
        this.gate = gate;
        this.metrics = metrics;
        this.limits = limits;
        this.clock = clock;
    }

    List<Route> routes() {
        return List.of(
                new Route(HandlerType.POST, BATCH, Permission.WRITE, this::batch),
                new Route(HandlerType.POST, SINGLE, Permission.WRITE, this::single));
    }

    /** The limit headers; {@link HttpApi} puts them on every ingest answer, errors included. */
    void limitHeaders(Context ctx) {
        ctx.header(ServerLimits.HEADER_MAX_BATCH_SIZE, Integer.toString(limits.maxBatchSize()));
        ctx.header(ServerLimits.HEADER_MAX_REQUEST_BYTES, Long.toString(limits.maxRequestBytes()));
    }

    private void batch(Context ctx) {
        Instant now = clock.instant();
        // decoded while it is decompressed: a 1,000-event batch is never held as a megabyte of JSON
        List<EventDecoder.Decoded> decoded =
                bodies.decode(ctx, body -> decoder.decodeBatch(body, now, limits.maxBatchSize()));
        int size = decoded.size();
        metrics.batchReceived(size);
        ItemStatus[] status = new ItemStatus[size];
        UUID[] ids = new UUID[size];
        FieldViolation[] errors = new FieldViolation[size];
        List<AuditEvent> valid = new ArrayList<>(size);
        List<Integer> validIndex = new ArrayList<>(size);
        int rejected = 0;
        for (int i = 0; i < size; i++) {
            EventDecoder.Decoded d = decoded.get(i);
            ids[i] = d.eventId();
            if (!d.valid()) {
                status[i] = ItemStatus.REJECTED;
                errors[i] = d.violations().get(0);
                rejected++;
            } else {
                valid.add(d.event());
                validIndex.add(i);
            }
        }
        metrics.itemsRejected(rejected);
        InsertResult result = null;
        boolean spooled = false;
        if (!valid.isEmpty()) {
            // repeated ids included: the store settles each copy against the stored event
            result = insertOrSpool(valid, ctx);
            spooled = result == null;
        }
        Map<UUID, Integer> firstCopy = new HashMap<>();
        for (int k = 0; k < valid.size(); k++) {
            AuditEvent e = valid.get(k);
            Integer first = firstCopy.putIfAbsent(e.eventId(), k);
            status[validIndex.get(k)] = first == null
                    ? firstCopyStatus(e.eventId(), k, result)
                    : laterCopyStatus(e, k, valid.get(first), result);
        }
        int created = 0;
        int duplicates = 0;
        int conflicts = 0;
        List<ItemResult> results = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            switch (status[i]) {
                case CREATED -> created++;
                case DUPLICATE -> {
                    duplicates++;
                    results.add(new ItemResult(i, ids[i], ItemStatus.DUPLICATE, null));
                }
                case REJECTED -> results.add(new ItemResult(i, ids[i], ItemStatus.REJECTED, errors[i]));
                case CONFLICT -> {
                    conflicts++;
                    results.add(new ItemResult(i, ids[i], ItemStatus.CONFLICT, CONFLICT_ERROR));
                }
            }
        }
        metrics.itemsConflicted(conflicts);
        if (spooled) {
            // the in-batch duplicates were settled here; the spooled events count once, as spooled
            metrics.itemsStored(0, duplicates);
            Json.write(ctx, 202, new BatchResponse(created, duplicates, rejected, conflicts, results));
            return;
        }
        metrics.itemsStored(created, duplicates);
        if (result != null) {
            for (Map.Entry<UUID, Integer> first : firstCopy.entrySet()) {
                if (result.created().contains(first.getKey())) {
                    metrics.lag(Duration.between(valid.get(first.getValue()).eventTimestamp(), result.ingestedAt()));
                }
            }
        }
        Json.write(ctx, 200, new BatchResponse(created, duplicates, rejected, conflicts, results));
    }

    /** The first copy of an id in the batch (position {@code k} of the valid events). */
    private static ItemStatus firstCopyStatus(UUID id, int k, InsertResult result) {
        if (result == null) {
            return ItemStatus.CREATED; // spooled
        }
        if (result.conflicts().contains(k)) {
            return ItemStatus.CONFLICT;
        }
        return result.created().contains(id) ? ItemStatus.CREATED : ItemStatus.DUPLICATE;
    }

    /**
     * A later copy of an id within the batch: as the store settled it, or, when the batch was
     * spooled, a duplicate of the first copy when its content is the same and a conflict otherwise.
     */
    private static ItemStatus laterCopyStatus(AuditEvent copy, int k, AuditEvent first, InsertResult result) {
        if (result != null) {
            return result.conflicts().contains(k) ? ItemStatus.CONFLICT : ItemStatus.DUPLICATE;
        }
        return Arrays.equals(LeafEncoding.contentDigest(copy), LeafEncoding.contentDigest(first))
                ? ItemStatus.DUPLICATE
                : ItemStatus.CONFLICT;
    }

    private void single(Context ctx) {
        byte[] body = bodies.readBody(ctx);
        EventDecoder.Decoded d;
        try {
            d = decoder.decodeSingle(body, clock.instant());
        } catch (BodyRefusal e) {
            throw RequestBodies.problem(e);
        }
        metrics.batchReceived(1);
        if (!d.valid()) {
            metrics.itemsRejected(1);
            FieldViolation first = d.violations().get(0);
            throw ApiProblem.of(422, "invalid-event", "Invalid event", first.field() + ": " + first.detail())
                    .with("field", first.field())
                    .with("errors", d.violations());
        }
        InsertResult result = insertOrSpool(List.of(d.event()), ctx);
        if (result == null) {
            Json.write(ctx, 202, new ItemResult(0, d.eventId(), ItemStatus.CREATED, null));
            return;
        }
        if (result.conflicts().contains(0)) {
            metrics.itemsConflicted(1);
            throw ApiProblem.of(
                            409,
                            "event-id-conflict",
                            "Event id conflict",
                            CONFLICT_ERROR.field() + ": " + CONFLICT_ERROR.detail() + " (event_id " + d.eventId() + ")")
                    .with("field", CONFLICT_ERROR.field());
        }
        boolean created = result.created().contains(d.eventId());
        metrics.itemsStored(created ? 1 : 0, created ? 0 : 1);
        if (created) {
            metrics.lag(Duration.between(d.event().eventTimestamp(), result.ingestedAt()));
            ctx.header("Location", SINGLE + "/" + d.eventId());
        }
        Json.write(
                ctx,
                created ? 201 : 200,
                new ItemResult(0, d.eventId(), created ? ItemStatus.CREATED : ItemStatus.DUPLICATE, null));
    }

    /**
     * Stores {@code valid} in the database or, when it is unavailable and the fallback spool is on,
     * fsyncs them to the spool.
     *
     * @return the insert's result, or {@code null} when the events were spooled (answer {@code 202})
     */
    InsertResult insertOrSpool(List<AuditEvent> valid, Context ctx) {
        String ingestedBy = Auth.clientName(ctx);
        if (fallback == null) {
            return gate.call(() -> insert(valid, ingestedBy));
        }
        if (fallback.storageDown()) {
            // known down: no permit, no wait for the pool's connection_timeout
            spool(valid, ingestedBy);
            return null;
        }
        try {
            return gate.attempt(() -> insert(valid, ingestedBy));
        } catch (StorageUnavailableException e) {
            if (e.busy()) {
                // the database answered: busy is not down, so no spool and no degraded /readyz
                throw Unavailable.problem(e);
            }
            fallback.storageFailed(e.getMessage());
            spool(valid, ingestedBy);
            return null;
        } catch (StorageRejectedException e) {
            // a value the database refused fails the same way on replay: 400, never the spool
            throw Unavailable.refused(e);
        }
    }

    /** Spools the first copy of each id; the answer settles later copies against it. */
    private void spool(List<AuditEvent> valid, String ingestedBy) {
        Map<UUID, AuditEvent> firstCopies = new LinkedHashMap<>();
        valid.forEach(e -> firstCopies.putIfAbsent(e.eventId(), e));
        try {
            fallback.store(List.copyOf(firstCopies.values()), ingestedBy);
        } catch (SpoolFullException e) {
            throw ApiProblem.of(
                            503,
                            "fallback-spool-full",
                            "Storage unavailable",
                            "the database cannot be reached and the fallback spool is full; nothing was stored,"
                                    + " retry after the Retry-After delay")
                    .header("Retry-After", SPOOL_FULL_RETRY_AFTER_SECONDS);
        } catch (IOException | IllegalStateException e) {
            LOG.warn("Fallback spool refused a batch of {} events: {}", valid.size(), e.toString());
            throw ApiProblem.of(
                            503,
                            "fallback-spool-failed",
                            "Storage unavailable",
                            "the database cannot be reached and the fallback spool cannot write; nothing was"
                                    + " stored, retry after the Retry-After delay")
                    .header("Retry-After", RETRY_AFTER_SECONDS);
        }
    }

    private InsertResult insert(List<AuditEvent> valid, String ingestedBy) {
        long start = System.nanoTime();
        String result = "error";
        try {
            InsertResult r = repository.insertBatch(valid, ingestedBy);
            result = "ok";
            if (!r.created().isEmpty()) {
                logSignal.advanced();
            }
            return r;
        } catch (StorageUnavailableException e) {
            result = e.busy() ? "busy" : "unavailable";
            throw e;
        } catch (StorageRejectedException e) {
            result = "refused";
            throw e;
        } finally {
            metrics.writeDuration(result, System.nanoTime() - start);
        }
    }
}
