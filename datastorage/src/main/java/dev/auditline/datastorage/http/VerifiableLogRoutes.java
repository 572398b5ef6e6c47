package dev.auditline.datastorage.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.auditline.api.json.AuditJson;
import dev.auditline.api.merkle.NoteKey;
import dev.auditline.datastorage.auth.Permission;
import dev.auditline.datastorage.log.TransparencyLog;
import dev.auditline.datastorage.log.TreeStore;
import dev.auditline.datastorage.store.StorageRejectedException;
import dev.auditline.datastorage.store.StorageUnavailableException;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The verifiable log's read API: the latest signed checkpoint, inclusion and consistency proofs,
 * the signing keys, the stored leaves and the signed retention records. Everything here can be
 * checked against a checkpoint signature, so none of it has to be trusted.
 */
final class VerifiableLogRoutes {
    static final String CHECKPOINT = "/api/v1/log/checkpoint";
    static final String KEYS = "/api/v1/log/keys";
    static final String INCLUSION = "/api/v1/log/proof/inclusion";
    static final String CONSISTENCY = "/api/v1/log/proof/consistency";
    static final String LEAVES = "/api/v1/log/leaves";
    static final String RETENTION = "/api/v1/log/retention";

    /** Most leaves per page: {@value}. */
    static final int MAX_LEAVES = 1000;

    private static final Base64.Encoder B64 = Base64.getEncoder();

    private final TransparencyLog log;

    VerifiableLogRoutes(TransparencyLog log) {
        this.log = log;
    }

    List<Route> routes() {
        return List.of(
                new Route(HandlerType.GET, CHECKPOINT, Permission.READ, this::checkpoint),
                new Route(HandlerType.GET, KEYS, Permission.READ, this::keys),
                new Route(HandlerType.GET, INCLUSION, Permission.READ, this::inclusion),
                new Route(HandlerType.GET, CONSISTENCY, Permission.READ, this::consistency),
                new Route(HandlerType.GET, LEAVES, Permission.READ, this::leaves),
                new Route(HandlerType.GET, RETENTION, Permission.READ, this::retention));
    }

    private void checkpoint(Context ctx) {
        only(ctx, Set.of());
        TransparencyLog.SignedCheckpoint latest = log.latest().orElseThrow(VerifiableLogRoutes::noCheckpoint);
        ctx.status(200);
        ctx.contentType("text/plain; charset=utf-8");
        ctx.result(latest.note().getBytes(StandardCharsets.UTF_8));
    }

    private void keys(Context ctx) {
        only(ctx, Set.of());
        ObjectNode body = AuditJson.mapper().createObjectNode();
        body.put("origin", log.origin());
        ArrayNode keys = body.putArray("keys");
        for (NoteKey key : log.keys()) {
            keys.addObject()
                    .put("name", key.name())
                    .put("key_id", key.keyIdHex())
                    .put("algorithm", "Ed25519")
                    .put("vkey", key.vkey());
        }
        Json.write(ctx, 200, body);
    }

    private void inclusion(Context ctx) {
        only(ctx, Set.of("event_id", "tree_size"));
        String raw = param(ctx, "event_id");
        if (raw == null || raw.isEmpty()) {
            throw ApiProblem.badParameter("event_id", "is required");
        }
        UUID id;
        try {
            if (raw.length() != 36) {
                throw new IllegalArgumentException();
            }
            id = UUID.fromString(raw);
        } catch (IllegalArgumentException e) {
            throw ApiProblem.badParameter("event_id", "must be a UUID (got \"" + shorten(raw) + "\")");
        }
        long signed = log.checkpointSize();
        long treeSize = size(ctx, "tree_size", signed);
        OptionalLong index = storage(() -> log.logIndexOf(id));
        if (index.isEmpty()) {
            throw ApiProblem.of(404, "event-not-in-log", "Event not in the log", "no log entry for event " + id)
                    .with("event_id", id.toString());
        }
        if (index.getAsLong() >= treeSize) {
            throw ApiProblem.of(
                            404,
                            "event-not-in-tree",
                            "Event not yet in the tree",
                            "event " + id + " has log index " + index.getAsLong() + ", after tree size " + treeSize
                                    + "; the next checkpoint will cover it")
                    .with("event_id", id.toString())
                    .with("log_index", index.getAsLong());
        }
        List<byte[]> proof = storage(() -> log.inclusionProof(index.getAsLong(), treeSize));
        ObjectNode body = AuditJson.mapper().createObjectNode();
        body.put("event_id", id.toString());
        body.put("log_index", index.getAsLong());
        body.put("tree_size", treeSize);
        ArrayNode hashes = body.putArray("proof");
        proof.forEach(h -> hashes.add(B64.encodeToString(h)));
        Json.write(ctx, 200, body);
    }

    private void consistency(Context ctx) {
        only(ctx, Set.of("from", "to"));
        long signed = log.checkpointSize();
        String fromText = param(ctx, "from");
        if (fromText == null || fromText.isEmpty()) {
            throw ApiProblem.badParameter("from", "is required");
        }
        long to = size(ctx, "to", signed);
        long from = size(ctx, "from", signed);
        if (from > to) {
            throw ApiProblem.badParameter("from", "must be ≤ to (got from " + from + ", to " + to + ")");
        }
        List<byte[]> proof = storage(() -> log.consistencyProof(from, to));
        ObjectNode body = AuditJson.mapper().createObjectNode();
        body.put("from", from);
        body.put("to", to);
        ArrayNode hashes = body.putArray("proof");
        proof.forEach(h -> hashes.add(B64.encodeToString(h)));
        Json.write(ctx, 200, body);
    }

    private void leaves(Context ctx) {
        only(ctx, Set.of("start", "limit"));
        long start = number(ctx, "start", 0, Long.MAX_VALUE - MAX_LEAVES, 0);
        int limit = (int) number(ctx, "limit", 1, MAX_LEAVES, 100);
        List<TreeStore.LogLeafRow> rows = storage(() -> log.leaves(start, limit));
        ObjectNode body = AuditJson.mapper().createObjectNode();
        body.put("tree_size", log.checkpointSize());
        ArrayNode leaves = body.putArray("leaves");
        for (TreeStore.LogLeafRow row : rows) {
            ObjectNode leaf = leaves.addObject();
            leaf.put("log_index", row.logIndex());
            leaf.put("event_id", row.eventId());
            leaf.put("event_date", row.eventDate());
            leaf.put("leaf", row.leaf() == null ? null : B64.encodeToString(row.leaf()));
            leaf.put("leaf_hash", row.leafHash() == null ? null : B64.encodeToString(row.leafHash()));
            leaf.put("tree_leaf_hash", row.treeLeafHash() == null ? null : B64.encodeToString(row.treeLeafHash()));
        }
        body.put("next_start", start + limit);
        Json.write(ctx, 200, body);
    }

    private void retention(Context ctx) {
        only(ctx, Set.of());
        ObjectNode body = AuditJson.mapper().createObjectNode();
        ArrayNode records = body.putArray("records");
        for (TreeStore.RetentionRecord r : storage(log::retentionRecords)) {
            records.addObject()
                    .put("month", r.month())
                    .put("entries", r.entries())
                    .put("key_id", r.keyId())
                    .put("note", r.note());
        }
        Json.write(ctx, 200, body);
    }

    private static ApiProblem noCheckpoint() {
        return ApiProblem.of(
                        503,
                        "no-checkpoint",
                        "No checkpoint yet",
                        "the first checkpoint is signed within log.checkpoint_interval of start")
                .header("Retry-After", "1");
    }

    private static <T> T storage(Supplier<T> work) {
        try {
            return work.get();
        } catch (StorageUnavailableException e) {
            throw Unavailable.problem(e);
        } catch (StorageRejectedException e) {
            throw Unavailable.refused(e);
        }
    }

    /** A tree size parameter: 0 to the latest checkpoint's size; absent means that size. */
    private static long size(Context ctx, String name, long signed) {
        if (signed == 0 && param(ctx, name) == null) {
            throw noCheckpoint();
        }
        return number(ctx, name, 0, signed, signed);
    }

    private static long number(Context ctx, String name, long min, long max, long fallback) {
        String text = param(ctx, name);
        if (text == null) {
            return fallback;
        }
        long value;
        try {
            value = Numbers.parseLong(text);
        } catch (NumberFormatException e) {
            value = Long.MIN_VALUE;
        }
        if (value < min || value > max) {
            throw ApiProblem.badParameter(
                            name,
                            "must be a whole number from " + min + " to " + max + " (got \"" + shorten(text) + "\")")
                    .with("limit", max);
        }
        return value;
    }

    /** The query, decoded strictly: a bad percent-encoding is a {@code 400} naming the parameter. */
    private static Map<String, List<String>> params(Context ctx) {
        return QueryString.parse(ctx.queryString());
    }

    private static String param(Context ctx, String name) {
        List<String> values = params(ctx).get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    private static void only(Context ctx, Set<String> known) {
        for (String name : params(ctx).keySet()) {
            if (!known.contains(name)) {
                throw ApiProblem.badParameter(
                        shorten(name),
                        "unknown parameter"
                                + (known.isEmpty()
                                        ? " (this route takes none)"
                                        : " (known: " + String.join(", ", known) + ")"));
            }
        }
        params(ctx).forEach((name, values) -> {
            if (values.size() > 1) {
                throw ApiProblem.badParameter(name, "must be given at most once");
            }
        });
    }

    private static String shorten(String s) {
        String t = s.replace("\u0000", "\\u0000");
        return t.length() > 40 ? t.substring(0, 40) + "…" : t;
    }
}
