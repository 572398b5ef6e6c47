package dev.auditline.datastorage.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import dev.auditline.api.AuditEvent;
import dev.auditline.datastorage.auth.Permission;
import dev.auditline.datastorage.k8s.KubernetesAuditMapping;
import dev.auditline.datastorage.k8s.QuarantineFile;
import dev.auditline.datastorage.metrics.ServerMetrics;
import dev.auditline.datastorage.store.InsertResult;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * kube-apiserver's audit webhook backend: {@code POST /api/v1/k8s/{cluster}/audit} with an {@code
 * audit.k8s.io/v1 EventList}. Each item is mapped on its own ({@link KubernetesAuditMapping}); the
 * stored ones go through the same one-transaction insert as the batch route, so the answer is 2xx
 * only once they are committed (or fsynced to the fallback spool).
 *
 * <p>The API server resends a whole batch on a 5xx or 429 and drops it on any other error, so one
 * bad item must not decide the batch: malformed items are written to the quarantine file, counted,
 * and the batch is answered 2xx. Only a body that is not an {@code EventList} at all is a 400.
 */
final class KubernetesRoutes {
    static final String AUDIT = "/api/v1/k8s/{cluster}/audit";
    static final String KIND = "EventList";
    static final String API_VERSION = "audit.k8s.io/v1";

    private static final Logger LOG = LoggerFactory.getLogger(KubernetesRoutes.class);

    private final KubernetesAuditMapping mapping;
    private final QuarantineFile quarantine;
    private final IngestRoutes ingest;
    private final RequestBodies bodies;
    private final ServerMetrics metrics;
    private final int maxBatchSize;
    private final Clock clock;

    KubernetesRoutes(
            KubernetesAuditMapping mapping,
            QuarantineFile quarantine,
            IngestRoutes ingest,
            RequestBodies bodies,
            ServerMetrics metrics,
            int maxBatchSize,
            Clock clock) {
        this.mapping = mapping;
        this.quarantine = quarantine;
        this.ingest = ingest;
        this.bodies = bodies;
        this.metrics = metrics;
        this.maxBatchSize = maxBatchSize;
        this.clock = clock;
    }

    List<Route> routes() {
        return List.of(new Route(HandlerType.POST, AUDIT, Permission.WRITE, this::audit));
    }

    /** What one webhook request did; {@code results} lists only the items not created or skipped. */
    record AuditResponse(int created, int duplicates, int skipped, int quarantined, List<ItemOutcome> results) {}

    /**
     * @param status {@code duplicate} or {@code quarantined}
     * @param field for quarantined items, the Kubernetes field at fault ({@code items[3].stageTimestamp})
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ItemOutcome(int index, String auditId, UUID eventId, String status, String field, String detail) {}

    private void audit(Context ctx) {
        String cluster = ctx.pathParam("cluster");
        if (!KubernetesAuditMapping.CLUSTER.matcher(cluster).matches()) {
            throw ApiProblem.badParameter(
                    "cluster",
                    "must be 1 to 63 characters of a-z, 0-9, '-' and '.', starting and ending with a letter or"
                            + " digit (got \"" + shorten(cluster) + "\")");
        }
        JsonNode items = eventListItems(bodies.readJson(ctx));
        metrics.batchReceived(items.size());
        Instant now = clock.instant();
        List<AuditEvent> valid = new ArrayList<>();
        List<Integer> validIndex = new ArrayList<>();
        List<QuarantineFile.Entry> bad = new ArrayList<>();
        List<ItemOutcome> results = new ArrayList<>();
        Set<UUID> seen = new HashSet<>();
        int skipped = 0;
        int inBatchDuplicates = 0;
        for (int i = 0; i < items.size(); i++) {
            KubernetesAuditMapping.Result r = mapping.map(cluster, items.get(i), now);
            if (r instanceof KubernetesAuditMapping.Stored s) {
                AuditEvent e = s.event();
                if (seen.add(e.eventId())) {
                    valid.add(e);
                    validIndex.add(i);
                } else {
                    // the same request and stage twice in one batch: the first is stored
                    inBatchDuplicates++;
                    results.add(new ItemOutcome(i, e.correlationId(), e.eventId(), "duplicate", null, null));
                }
            } else if (r instanceof KubernetesAuditMapping.Malformed m) {
                String field = "items[" + i + "]" + (m.field().isEmpty() ? "" : "." + m.field());
                bad.add(new QuarantineFile.Entry(cluster, i, m.auditId(), field, m.detail(), items.get(i)));
                results.add(new ItemOutcome(i, m.auditId(), null, "quarantined", field, m.detail()));
            } else {
                skipped++;
            }
        }
        keep(bad);
        metrics.k8sItems("skipped", skipped);
        metrics.itemsRejected(bad.size());
        int created = 0;
        int duplicates = inBatchDuplicates;
        boolean spooled = false;
        if (!valid.isEmpty()) {
            InsertResult result = ingest.insertOrSpool(valid, ctx);
            spooled = result == null;
            for (int j = 0; j < valid.size(); j++) {
                AuditEvent e = valid.get(j);
                if (spooled || result.created().contains(e.eventId())) {
                    created++;
                    if (!spooled) {
                        metrics.lag(Duration.between(e.eventTimestamp(), result.ingestedAt()));
                    }
                } else {
                    duplicates++;
                    results.add(new ItemOutcome(
                            validIndex.get(j), e.correlationId(), e.eventId(), "duplicate", null, null));
                }
            }
        }
        results.sort((a, b) -> Integer.compare(a.index(), b.index()));
        metrics.k8sItems("created", created);
        metrics.k8sItems("duplicate", duplicates);
        metrics.itemsStored(spooled ? 0 : created, duplicates);
        Json.write(ctx, spooled ? 202 : 200, new AuditResponse(created, duplicates, skipped, bad.size(), results));
    }

    /** The {@code items} of an {@code EventList}, or a 400 naming the field that is wrong. */
    private JsonNode eventListItems(JsonNode root) {
        if (!root.isObject()) {
            throw notEventList("", "the body must be a JSON object: an " + API_VERSION + " " + KIND);
        }
        JsonNode kind = root.get("kind");
        if (kind == null || !kind.isTextual() || !kind.textValue().equals(KIND)) {
            throw notEventList("kind", "kind: must be \"" + KIND + "\" (got " + describe(kind) + ")");
        }
        JsonNode apiVersion = root.get("apiVersion");
        if (apiVersion == null
                || !apiVersion.isTextual()
                || !apiVersion.textValue().equals(API_VERSION)) {
            throw notEventList(
                    "apiVersion",
                    "apiVersion: must be \"" + API_VERSION + "\" (got " + describe(apiVersion)
                            + "); run kube-apiserver with --audit-webhook-version=" + API_VERSION);
        }
        JsonNode items = root.get("items");
        if (items == null || items.isNull()) {
            // Go encodes an empty slice as null or leaves it out: an empty list
            return com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
        }
        if (!items.isArray()) {
            throw notEventList("items", "items: must be an array of audit events (got " + describe(items) + ")");
        }
        if (items.size() > maxBatchSize) {
            throw notEventList(
                            "items",
                            "items: must hold at most max_batch_size " + maxBatchSize + " events (got " + items.size()
                                    + "); lower --audit-webhook-batch-max-size")
                    .with("limit", maxBatchSize);
        }
        return items;
    }

    /**
     * Writes the malformed items to the quarantine file before anything is stored, so a 2xx always
     * means they are kept; a file that cannot be written is a 503 (the API server resends).
     */
    private void keep(List<QuarantineFile.Entry> bad) {
        if (bad.isEmpty()) {
            return;
        }
        int written;
        try {
            written = quarantine.append(bad);
        } catch (IOException | RuntimeException e) {
            LOG.warn("Cannot write {} malformed Kubernetes audit items to {}: {}", bad.size(), quarantine.file(), e);
            throw ApiProblem.of(
                            503,
                            "quarantine-failed",
                            "Quarantine unavailable",
                            "malformed items could not be kept in the quarantine file; nothing was stored, retry"
                                    + " after the Retry-After delay")
                    .header("Retry-After", IngestRoutes.RETRY_AFTER_SECONDS);
        }
        metrics.k8sItems("quarantined", written);
        if (written < bad.size()) {
            metrics.k8sItems("quarantine_full", bad.size() - written);
            QuarantineFile.Entry first = bad.get(written);
            LOG.warn(
                    "Quarantine file {} is full (kubernetes.quarantine.max_bytes): {} malformed items only counted;"
                            + " first: cluster {} auditID {} {}: {}",
                    quarantine.file(),
                    bad.size() - written,
                    first.cluster(),
                    first.auditId(),
                    first.field(),
                    first.detail());
        }
    }

    private static ApiProblem notEventList(String field, String detail) {
        ApiProblem p = ApiProblem.badRequest("invalid-event-list", detail);
        return field.isEmpty() ? p : p.with("field", field);
    }

    private static String describe(JsonNode v) {
        if (v == null || v.isNull()) {
            return "nothing";
        }
        return v.isTextual()
                ? "\"" + shorten(v.textValue()) + "\""
                : "a " + v.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    }

    private static String shorten(String s) {
        String t = s.replace("\u0000", "\\u0000");
        return t.length() > 80 ? t.substring(0, 80) + "…" : t;
    }
}
