package dev.auditline.auditctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.auditline.api.json.AuditJson;
import dev.auditline.datastorage.DataStorage;
import dev.auditline.datastorage.config.DataStorageConfig;
import dev.auditline.datastorage.config.QueryConfig;
import dev.auditline.datastorage.config.ServerConfig;
import dev.auditline.datastorage.config.StorageSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/** A real DataStorage on a loopback ephemeral port, and a way to store events in it over HTTP. */
final class TestServer implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final DataStorageConfig config;
    private DataStorage server;
    private int port;

    TestServer(StorageSettings storage) {
        this(storage, 0);
    }

    TestServer(StorageSettings storage, int port) {
        this(storage, port, QueryConfig.DEFAULT);
    }

    TestServer(StorageSettings storage, int port, QueryConfig query) {
        this.port = port;
        this.config = DataStorageConfig.defaults()
                .withServer(ServerConfig.DEFAULT.withPort(port))
                .withStorage(storage)
                .withQuery(query);
        start();
    }

    void start() {
        server = DataStorage.start(config.withServer(config.server().withPort(port)), Clock.systemUTC());
        port = server.port(); // the same port after a restart, as a client sees a restarted server
    }

    /** Stops the server; {@link #start()} brings it back on the same port. */
    void stop() {
        server.close();
    }

    String url() {
        return server.baseUrl();
    }

    /** POSTs one batch; every event must be created. */
    void store(List<ObjectNode> events) {
        ObjectNode body = AuditJson.mapper().createObjectNode();
        ArrayNode array = body.putArray("events");
        events.forEach(array::add);
        try {
            HttpResponse<String> response = HTTP.send(
                    HttpRequest.newBuilder(URI.create(url() + "/api/v1/audit/events/batch"))
                            .timeout(Duration.ofSeconds(30))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode answer = AuditJson.mapper().readTree(response.body());
            if (response.statusCode() != 200 || answer.get("created").intValue() != events.size()) {
                throw new IllegalStateException("batch not stored: " + response.statusCode() + " " + response.body());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
    }
}
