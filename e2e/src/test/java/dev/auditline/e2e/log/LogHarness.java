package dev.auditline.e2e.log;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.auditline.api.AuditEvent;
import dev.auditline.api.EventOutcome;
import dev.auditline.api.json.AuditJson;
import dev.auditline.auditctl.Auditctl;
import dev.auditline.datastorage.DataStorage;
import dev.auditline.datastorage.config.DataStorageConfig;
import dev.auditline.datastorage.config.KubernetesConfig;
import dev.auditline.datastorage.config.LogConfig;
import dev.auditline.datastorage.config.RetentionConfig;
import dev.auditline.datastorage.config.StorageSettings;
import dev.auditline.datastorage.config.ValidationConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.awaitility.Awaitility;

/**
 * Talks to a real DataStorage over loopback HTTP for the verifiable-log scenarios: starts it on a
 * store with a signing key in its own directory, posts batches, waits for checkpoints and runs
 * {@code auditctl verify} in-process.
 */
final class LogHarness {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private LogHarness() {}

    /**
     * A DataStorage on {@code storage}, on a free loopback port, signing with {@code keyFile}, every
     * log setting at its default. {@code validation.max_past} is 60 days so events "dated days ago"
     * and a clock set back a month stay valid on any calendar day.
     */
    static DataStorage start(StorageSettings storage, Path keyFile, int retentionDays, Clock clock) {
        DataStorageConfig defaults = DataStorageConfig.defaults();
        DataStorageConfig config = new DataStorageConfig(
                defaults.server().withPort(0),
                storage,
                new ValidationConfig(
                        defaults.validation().maxEventDataBytes(),
                        Duration.ofDays(60),
                        defaults.validation().maxFuture()),
                new RetentionConfig(retentionDays),
                new LogConfig(keyFile, null, LogConfig.DEFAULT_CHECKPOINT_INTERVAL),
                KubernetesConfig.DEFAULT);
        return DataStorage.start(config, clock);
    }

    static AuditEvent event(Instant timestamp, String correlationId, int n) {
        return AuditEvent.builder()
                .eventType("orchestrator.approval.requested")
                .eventCategory("orchestration")
                .eventAction("requested")
                .eventOutcome(EventOutcome.PENDING)
                .eventTimestamp(timestamp)
                .correlationId(correlationId)
                .actor("service", "remediation-orchestrator")
                .resource("remediation_request", correlationId)
                .eventData(Map.of("n", n, "approver", "oncall", "ratio", 1.5))
                .build();
    }

    static List<AuditEvent> events(Instant timestamp, String correlationId, int count) {
        List<AuditEvent> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(event(timestamp.plusMillis(i), correlationId, i));
        }
        return out;
    }

    /** Posts one batch; returns the {@code created} count. */
    static int post(DataStorage server, List<AuditEvent> events) {
        ObjectNode body = AuditJson.mapper().createObjectNode();
        ArrayNode array = body.putArray("events");
        events.forEach(e -> array.add(AuditJson.mapper().valueToTree(e)));
        try {
            HttpResponse<String> response = HTTP.send(
                    HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/v1/audit/events/batch"))
                            .timeout(Duration.ofSeconds(30))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            return AuditJson.mapper().readTree(response.body()).path("created").asInt();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static JsonNode getJson(DataStorage server, String pathAndQuery) {
        return readTree(get(server, pathAndQuery));
    }

    private static JsonNode readTree(String text) {
        try {
            return AuditJson.mapper().readTree(text);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static String get(DataStorage server, String pathAndQuery) {
        try {
            HttpResponse<String> response = HTTP.send(
                    HttpRequest.newBuilder(URI.create(server.baseUrl() + pathAndQuery))
                            .timeout(Duration.ofSeconds(30))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode())
                    .as(pathAndQuery + ": " + response.body())
                    .isEqualTo(200);
            return response.body();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Waits (at most 30 s) until a signed checkpoint covers {@code size} log entries. */
    static void awaitCheckpoint(DataStorage server, long size) {
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .ignoreExceptions()
                .until(() ->
                        Long.parseLong(get(server, "/api/v1/log/checkpoint").split("\n")[1]) >= size);
    }

    /** Writes the server's verifier key to a file, as an operator pins it. */
    static Path pinKey(DataStorage server, Path dir) throws IOException {
        String vkey = getJson(server, "/api/v1/log/keys")
                .path("keys")
                .get(0)
                .path("vkey")
                .asText();
        return Files.writeString(dir.resolve("log.vkey"), vkey + "\n");
    }

    record Verify(int exitCode, String out, String err) {
        long count(String name) {
            for (String line : out.split("\n")) {
                if (line.startsWith(name + ": ")) {
                    return Long.parseLong(line.substring(name.length() + 2).trim());
                }
            }
            throw new AssertionError("no \"" + name + ":\" line in\n" + out);
        }

        List<String> findings() {
            List<String> lines = new ArrayList<>();
            for (String line : out.split("\n")) {
                if (line.startsWith("TAMPERED ")
                        || line.startsWith("MISSING ")
                        || line.startsWith("INSERTED ")
                        || line.startsWith("INCONSISTENT ")) {
                    lines.add(line);
                }
            }
            return lines;
        }
    }

    static Verify verify(DataStorage server, Path state, Path publicKey) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Auditctl.run(
                new String[] {
                    "--url",
                    server.baseUrl(),
                    "verify",
                    "--state",
                    state.toString(),
                    "--public-key",
                    publicKey.toString()
                },
                new PrintWriter(out),
                new PrintWriter(err));
        return new Verify(code, out.toString(), err.toString());
    }

    /** {@code auditctl verify} with no pinned key: the key is trusted on first use and kept in {@code state}. */
    static Verify verifyTrustingFirstUse(DataStorage server, Path state) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Auditctl.run(
                new String[] {"--url", server.baseUrl(), "verify", "--state", state.toString()},
                new PrintWriter(out),
                new PrintWriter(err));
        return new Verify(code, out.toString(), err.toString());
    }

    static UUID id(AuditEvent e) {
        return e.eventId();
    }

    static String text(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
