package dev.auditline.datastorage;

import static dev.auditline.datastorage.k8s.K8sFixtures.item;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.auditline.datastorage.config.DataStorageConfig;
import dev.auditline.datastorage.k8s.K8sFixtures;
import dev.auditline.datastorage.k8s.KubernetesAuditMapping;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/** {@code kubernetes.stored_stages} with every stage: each stage of a request is its own event. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KubernetesAllStagesIT {
    Path dir;
    DataStorage server;
    ApiClient api;

    @BeforeAll
    void start() throws IOException {
        dir = Files.createTempDirectory("datastorage-k8s-stages-it");
        DataStorageConfig defaults = DataStorageConfig.defaults();
        server = DataStorage.start(
                defaults.withServer(defaults.server().withPort(0))
                        .withStorage(defaults.storage().withUrl("sqlite:" + dir.resolve("audit.db")))
                        .withKubernetes(defaults.kubernetes()
                                .withStoredStages(KubernetesAuditMapping.STAGES)
                                .withQuarantineFile(dir.resolve("quarantine.jsonl"))),
                Clock.systemUTC());
        api = new ApiClient(server.baseUrl());
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
        TestFiles.deleteRecursively(dir);
    }

    private List<String> stagesOf(String auditId) {
        ApiClient.Reply reply = api.get("/api/v1/audit/events?order=asc&correlation_id=" + auditId);
        assertThat(reply.status()).isEqualTo(200);
        List<String> out = new ArrayList<>();
        for (JsonNode e : reply.json().get("events")) {
            out.add(e.get("event_data").get("stage").asText() + " "
                    + e.get("event_outcome").asText());
        }
        return out;
    }

    @Test
    void everyStageOfARequestIsStoredUnderItsOwnIdAndOneCorrelationId() {
        ObjectNode verbs = K8sFixtures.shifted(
                K8sFixtures.load("verbs.json"), Instant.now().minus(Duration.ofMinutes(10)));
        ObjectNode identities = K8sFixtures.shifted(
                K8sFixtures.load("identities.json"), Instant.now().minus(Duration.ofMinutes(10)));

        ApiClient.Reply first = api.post("/api/v1/k8s/all-stages/audit", verbs.toString());
        assertThat(first.json().toString())
                .isEqualTo("{\"created\":10,\"duplicates\":0,\"skipped\":0,\"quarantined\":0,\"results\":[]}");
        assertThat(api.post("/api/v1/k8s/all-stages/audit", identities.toString())
                        .json()
                        .get("created")
                        .asInt())
                .isEqualTo(6);

        assertThat(stagesOf(item(verbs, 4).get("auditID").asText()))
                .containsExactly("RequestReceived pending", "ResponseComplete success");
        assertThat(stagesOf(item(verbs, 2).get("auditID").asText()))
                .containsExactly("ResponseStarted success", "ResponseComplete success");
        assertThat(stagesOf(item(identities, 3).get("auditID").asText())).containsExactly("Panic failure");
    }
}
