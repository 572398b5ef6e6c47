package dev.auditline.spring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.auditline.datastorage.DataStorage;
import dev.auditline.datastorage.config.DataStorageConfig;
import dev.auditline.datastorage.config.StorageSettings;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A real DataStorage on 127.0.0.1 (ephemeral port) with SQLite in a test's temporary directory. */
final class LoopbackDataStorage implements AutoCloseable {
    private final DataStorage server;
    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    LoopbackDataStorage(Path dir) {
        this(dir, false);
    }

    /** @param fallbackSpool with the server's fallback spool in {@code dir/fallback} */
    LoopbackDataStorage(Path dir, boolean fallbackSpool) {
        DataStorageConfig defaults = DataStorageConfig.defaults();
        StorageSettings storage = defaults.storage().withUrl("sqlite:" + dir.resolve("audit.db"));
        if (fallbackSpool) {
            storage = storage.withFallbackSpool(
                    dir.resolve("fallback"), StorageSettings.DEFAULT_FALLBACK_SPOOL_MAX_BYTES);
        }
        this.server = DataStorage.start(
                defaults.withServer(defaults.server().withPort(0)).withStorage(storage), Clock.systemUTC());
    }

    String url() {
        return server.baseUrl();
    }

    /** Every stored event matching the query string (one page of up to 1000). */
    List<JsonNode> events(String query) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url() + "/api/v1/audit/events?limit=1000&" + query))
                .timeout(Duration.ofSeconds(10))
                .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException(
                    "GET " + request.uri() + " answered " + response.statusCode() + ": " + response.body());
        }
        List<JsonNode> events = new ArrayList<>();
        json.readTree(response.body()).path("events").forEach(events::add);
        return events;
    }

    @Override
    public void close() {
        server.close();
    }
}
