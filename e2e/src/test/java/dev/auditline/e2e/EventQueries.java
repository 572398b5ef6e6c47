package dev.auditline.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

/**
 * DataStorage as an operator sees it: {@code GET /api/v1/audit/events?correlation_id=…}, and the
 * one figure of {@code /metrics} the tests report.
 */
public final class EventQueries {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String baseUrl;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();

    public EventQueries(String baseUrl) {
        this.baseUrl = baseUrl;
    }

    /**
     * The ids of the events queryable under {@code correlationId} (first page of up to 1000).
     *
     * @throws IOException when DataStorage does not answer 200 (down, restarting, database out)
     */
    public Set<UUID> eventIds(String correlationId) throws IOException, InterruptedException {
        URI uri = URI.create(baseUrl + "/api/v1/audit/events?limit=1000&correlation_id="
                + URLEncoder.encode(correlationId, StandardCharsets.UTF_8));
        HttpResponse<byte[]> response = http.send(
                HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() != 200) {
            throw new IOException("GET " + uri + " answered " + response.statusCode());
        }
        Set<UUID> ids = new HashSet<>();
        for (JsonNode event : JSON.readTree(response.body()).path("events")) {
            ids.add(UUID.fromString(event.path("event_id").asText()));
        }
        return ids;
    }

    /**
     * Events this DataStorage process answered as {@code duplicate} since it started ({@code
     * audit_ingest_events…{outcome="duplicate"}} of {@code /metrics}): resends of events it had
     * already stored.
     */
    public long duplicatesIngested() throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create(baseUrl + "/metrics"))
                        .timeout(Duration.ofSeconds(5))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("GET /metrics answered " + response.statusCode());
        }
        double total = 0;
        for (String line : response.body().split("\n")) {
            if (line.startsWith("audit_ingest_events") && line.contains("outcome=\"duplicate\"")) {
                total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return (long) total;
    }
}
