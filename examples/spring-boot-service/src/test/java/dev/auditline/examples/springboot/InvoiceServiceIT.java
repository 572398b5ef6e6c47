package dev.auditline.examples.springboot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.auditline.client.AuditStore;
import dev.auditline.datastorage.DataStorage;
import dev.auditline.datastorage.config.DataStorageConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The example as a user runs it: the whole application on an ephemeral port, a real DataStorage
 * (SQLite in a temporary directory) over loopback, requests through HTTP Basic.
 */
@Timeout(120)
class InvoiceServiceIT {
    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void approvalsAndLoginsLandInTheTrailAndTheStoreClosesWithTheApplication() throws Exception {
        DataStorageConfig defaults = DataStorageConfig.defaults();
        try (DataStorage dataStorage = DataStorage.start(
                defaults.withServer(defaults.server().withPort(0))
                        .withStorage(defaults.storage().withUrl("sqlite:" + dir.resolve("audit.db"))),
                Clock.systemUTC())) {
            ConfigurableApplicationContext app = SpringApplication.run(
                    InvoiceServiceApplication.class, "--server.port=0", "--DATASTORAGE_URL=" + dataStorage.baseUrl());
            int port;
            try {
                port = ((WebServerApplicationContext) app).getWebServer().getPort();
                HttpResponse<String> approved = post(port, "/invoices/INV-42/approve", "alice", "alice-password");
                assertThat(approved.statusCode()).isEqualTo(200);
                assertThat(post(port, "/invoices/INV-43/approve", "alice", "wrong")
                                .statusCode())
                        .isEqualTo(401);
                HttpResponse<String> health = http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health/audit"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(health.statusCode()).isEqualTo(200);
                assertThat(json.readTree(health.body()).path("status").asText()).isEqualTo("UP");
                assertThat(app.getBean(AuditStore.class)
                                .flush(Duration.ofSeconds(10))
                                .allAcked())
                        .isTrue();
            } finally {
                app.close();
            }

            java.util.List<String> types = new java.util.ArrayList<>();
            events(dataStorage, "order=asc")
                    .forEach(e -> types.add(e.path("event_type").asText() + " "
                            + e.path("actor_id").asText()));
            assertThat(types)
                    .containsExactlyInAnyOrder(
                            "invoice-service.security.authentication_success alice",
                            "invoices.approval.granted alice",
                            "invoice-service.security.authentication_failure alice");

            JsonNode approval = events(dataStorage, "event_type=invoices.approval.granted");
            assertThat(approval.size()).isEqualTo(1);
            assertThat(approval.get(0).path("actor_id").asText()).isEqualTo("alice");
            assertThat(approval.get(0).path("resource_id").asText()).isEqualTo("INV-42");
            assertThat(events(dataStorage, "event_type=invoice-service.security.authentication_success")
                            .size())
                    .isEqualTo(1);
            JsonNode failure = events(dataStorage, "event_type=invoice-service.security.authentication_failure");
            assertThat(failure.size()).isEqualTo(1);
            assertThat(failure.get(0).path("actor_id").asText()).isEqualTo("alice");
            assertThat(failure.get(0).path("event_outcome").asText()).isEqualTo("failure");
        }
    }

    private HttpResponse<String> post(int port, String path, String user, String password) throws Exception {
        String basic = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .header("Authorization", "Basic " + basic)
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode events(DataStorage dataStorage, String query) throws Exception {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create(dataStorage.baseUrl() + "/api/v1/audit/events?" + query))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return json.readTree(response.body()).path("events");
    }
}
