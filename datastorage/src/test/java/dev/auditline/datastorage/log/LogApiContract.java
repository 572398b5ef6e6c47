package dev.auditline.datastorage.log;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.auditline.api.AuditEvent;
import dev.auditline.api.UuidV7;
import dev.auditline.api.json.AuditJson;
import dev.auditline.api.log.LeafEncoding;
import dev.auditline.api.merkle.Checkpoint;
import dev.auditline.api.merkle.MerkleProofs;
import dev.auditline.api.merkle.NoteKey;
import dev.auditline.api.merkle.SignedNote;
import dev.auditline.datastorage.DataStorage;
import dev.auditline.datastorage.config.DataStorageConfig;
import dev.auditline.datastorage.config.LogConfig;
import dev.auditline.datastorage.config.StorageSettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The verifiable log's routes over loopback HTTP against a real DataStorage: a checkpoint signed
 * by the published key, inclusion proofs of stored events and consistency proofs between
 * checkpoints that verify, and clear 400s for bad parameters.
 */
abstract class LogApiContract {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    abstract StorageSettings storage(Path dir);

    private DataStorage start() {
        DataStorageConfig d = DataStorageConfig.defaults();
        return DataStorage.start(
                d.withServer(d.server().withPort(0))
                        .withStorage(storage(dir))
                        .withLog(new LogConfig(
                                dir.resolve("keys/log.key"),
                                "test.example/log",
                                LogConfig.DEFAULT_CHECKPOINT_INTERVAL)),
                Clock.systemUTC());
    }

    private static HttpResponse<String> get(DataStorage s, String path) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create(s.baseUrl() + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(DataStorage s, String path) throws Exception {
        HttpResponse<String> r = get(s, path);
        assertThat(r.statusCode()).as(path + " " + r.body()).isEqualTo(200);
        return AuditJson.mapper().readTree(r.body());
    }

    private static List<UUID> post(DataStorage s, int n) throws Exception {
        ObjectNode body = AuditJson.mapper().createObjectNode();
        ArrayNode events = body.putArray("events");
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            UUID id = UuidV7.next();
            ids.add(id);
            ObjectNode e = events.addObject();
            e.put("event_id", id.toString());
            e.put("version", "1.0");
            e.put("event_type", "orchestrator.approval.requested");
            e.put("event_category", "orchestration");
            e.put("event_action", "requested");
            e.put("event_outcome", "success");
            e.put("event_timestamp", AuditJson.formatTimestamp(Instant.now()));
            e.put("correlation_id", "rr-log");
            e.put("actor_type", "service");
            e.put("actor_id", "remediation-orchestrator");
            e.put("resource_type", "remediation");
            e.put("resource_id", "rr-" + i);
            e.putObject("event_data").put("attempt", i).put("ratio", 1.50);
        }
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(URI.create(s.baseUrl() + "/api/v1/audit/events/batch"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return ids;
    }

    private static Checkpoint awaitCheckpoint(DataStorage s, NoteKey key, long size) {
        return Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(50))
                .ignoreExceptions()
                .until(
                        () -> Checkpoint.parse(
                                SignedNote.open(get(s, "/api/v1/log/checkpoint").body(), key)),
                        cp -> cp.treeSize() >= size);
    }

    private static List<byte[]> proof(JsonNode node) {
        List<byte[]> out = new ArrayList<>();
        node.path("proof").forEach(h -> out.add(Base64.getDecoder().decode(h.asText())));
        return out;
    }

    @Test
    @Timeout(120)
    void proofsFromTheApiVerifyAgainstSignedCheckpoints() throws Exception {
        try (DataStorage s = start()) {
            JsonNode keys = json(s, "/api/v1/log/keys");
            assertThat(keys.path("origin").asText()).isEqualTo("test.example/log");
            NoteKey key = NoteKey.parse(keys.path("keys").get(0).path("vkey").asText());

            List<UUID> first = post(s, 37);
            Checkpoint old = awaitCheckpoint(s, key, 37);
            List<UUID> second = post(s, 100);
            Checkpoint now = awaitCheckpoint(s, key, 137);
            assertThat(old.treeSize()).isEqualTo(37);
            assertThat(now.treeSize()).isEqualTo(137);

            for (UUID id : List.of(first.get(0), first.get(36), second.get(50), second.get(99))) {
                AuditEvent stored = AuditJson.mapper()
                        .readValue(get(s, "/api/v1/audit/events/" + id).body(), AuditEvent.class);
                JsonNode p = json(s, "/api/v1/log/proof/inclusion?event_id=" + id);
                assertThat(p.path("tree_size").asLong()).isEqualTo(137);
                assertThat(MerkleProofs.verifyInclusion(
                                p.path("log_index").asLong(),
                                137,
                                LeafEncoding.leafHash(LeafEncoding.encode(stored)),
                                proof(p),
                                now.rootHash()))
                        .as("inclusion of %s", id)
                        .isTrue();
            }
            JsonNode c = json(s, "/api/v1/log/proof/consistency?from=37&to=137");
            assertThat(MerkleProofs.verifyConsistency(37, 137, old.rootHash(), now.rootHash(), proof(c)))
                    .isTrue();

            JsonNode leaves = json(s, "/api/v1/log/leaves?start=130&limit=10");
            assertThat(leaves.path("leaves")).hasSize(7);
            assertThat(leaves.path("leaves").get(0).path("log_index").asLong()).isEqualTo(130);
            assertThat(leaves.path("leaves").get(0).path("tree_leaf_hash").asText())
                    .isEqualTo(leaves.path("leaves").get(0).path("leaf_hash").asText());
        }
    }

    @Test
    @Timeout(120)
    void aRestartKeepsTheKeyAndExtendsTheSameTree() throws Exception {
        Checkpoint before;
        NoteKey key;
        try (DataStorage s = start()) {
            key = NoteKey.parse(
                    json(s, "/api/v1/log/keys").path("keys").get(0).path("vkey").asText());
            post(s, 5);
            before = awaitCheckpoint(s, key, 5);
        }
        try (DataStorage s = start()) {
            post(s, 3);
            Checkpoint after = awaitCheckpoint(s, key, 8);
            JsonNode c = json(s, "/api/v1/log/proof/consistency?from=5");
            assertThat(c.path("to").asLong()).isEqualTo(8);
            assertThat(MerkleProofs.verifyConsistency(5, 8, before.rootHash(), after.rootHash(), proof(c)))
                    .isTrue();
        }
    }

    @Test
    @Timeout(60)
    void badParametersAreA400NamingTheParameter() throws Exception {
        try (DataStorage s = start()) {
            NoteKey key = NoteKey.parse(
                    json(s, "/api/v1/log/keys").path("keys").get(0).path("vkey").asText());
            post(s, 2);
            awaitCheckpoint(s, key, 2);
            assertProblem(
                    s, "/api/v1/log/proof/inclusion?event_id=nope", 400, "event_id: must be a UUID (got \"nope\")");
            assertProblem(s, "/api/v1/log/proof/inclusion", 400, "event_id: is required");
            assertProblem(
                    s,
                    "/api/v1/log/proof/consistency?from=1&to=99",
                    400,
                    "to: must be a whole number from 0 to 2 (got \"99\")");
            assertProblem(
                    s,
                    "/api/v1/log/leaves?limit=5000",
                    400,
                    "limit: must be a whole number from 1 to 1000 (got \"5000\")");
            assertProblem(s, "/api/v1/log/checkpoint?x=1", 400, "x: unknown parameter (this route takes none)");
            assertProblem(s, "/api/v1/log/proof/inclusion?event_id=" + UUID.randomUUID(), 404, null);
        }
    }

    private static void assertProblem(DataStorage s, String path, int status, String detail) throws Exception {
        HttpResponse<String> r = get(s, path);
        assertThat(r.statusCode()).as(path + " " + r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
        if (detail != null) {
            assertThat(AuditJson.mapper().readTree(r.body()).path("detail").asText())
                    .isEqualTo(detail);
        }
    }
}
