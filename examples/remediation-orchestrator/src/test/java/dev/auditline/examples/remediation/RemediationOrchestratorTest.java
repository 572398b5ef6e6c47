package dev.auditline.examples.remediation;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.auditline.api.json.AuditJson;
import dev.auditline.client.AuditClientConfig;
import dev.auditline.client.BufferedAuditStore;
import dev.auditline.client.FlushReport;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The example against a recording HTTP server on loopback, with its real configuration file. */
@Timeout(30)
class RemediationOrchestratorTest {
    private static final Path CONFIG = Path.of("config/remediationorchestrator.yaml");

    private HttpServer server;
    private final List<JsonNode> received = new ArrayList<>();

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/v1/audit/events/batch", exchange -> {
            try (InputStream body = "gzip".equals(exchange.getRequestHeaders().getFirst("Content-Encoding"))
                    ? new GZIPInputStream(exchange.getRequestBody())
                    : exchange.getRequestBody()) {
                JsonNode batch = AuditJson.mapper().readTree(body);
                synchronized (received) {
                    batch.get("events").forEach(received::add);
                }
                byte[] answer = ("{\"created\":" + batch.get("events").size()
                                + ",\"duplicates\":0,\"rejected\":0,\"results\":[]}")
                        .getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, answer.length);
                exchange.getResponseBody().write(answer);
            } finally {
                exchange.close();
            }
        });
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    @Test
    void configFileHasTheAuditSectionOfTheDesign() throws IOException {
        AuditClientConfig config = AuditClientConfig.fromYaml(CONFIG, Map.of());

        assertThat(config.datastorageUrl()).hasToString("http://datastorage-service:8080");
        assertThat(config.serviceName()).isEqualTo("remediation-orchestrator");
        assertThat(config.buffer().flushInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(config.buffer().batchSize()).isEqualTo(1000);
        assertThat(config.buffer().maxInFlight()).isEqualTo(4);
    }

    @Test
    void recordsTheLifecycleOfOneRemediationUnderItsCorrelationId() throws IOException {
        AuditClientConfig config = AuditClientConfig.fromYaml(
                CONFIG,
                Map.of(
                        "AUDIT_DATASTORAGE_URL",
                        "http://127.0.0.1:" + server.getAddress().getPort()));

        FlushReport report;
        try (BufferedAuditStore audit = BufferedAuditStore.create(config)) {
            new RemediationOrchestrator(audit).remediate("rr-test-1", "payments/api", "oncall", Duration.ofSeconds(3));
            report = audit.flush(Duration.ofSeconds(10));
        }

        assertThat(report.acked()).isEqualTo(3);
        assertThat(received)
                .extracting(e -> e.get("event_type").asText())
                .containsExactly(
                        "orchestrator.lifecycle.started",
                        "orchestrator.approval.requested",
                        "orchestrator.lifecycle.completed");
        assertThat(received).extracting(e -> e.get("correlation_id").asText()).containsOnly("rr-test-1");
        assertThat(received.get(1).get("parent_event_id").asText())
                .isEqualTo(received.get(0).get("event_id").asText());
    }
}
