package dev.auditline.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.auditline.api.json.AuditJson;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.zip.GZIPInputStream;

/**
 * A stand-in for DataStorage's batch endpoint on 127.0.0.1, built on the JDK's HTTP server: it
 * records each request (headers, raw body, decoded events) and answers what the test's handler
 * says.
 */
final class TestDataStorage implements AutoCloseable {
    record Request(String method, String path, Map<String, List<String>> headers, byte[] rawBody, JsonNode body) {
        String header(String name) {
            for (Map.Entry<String, List<String>> e : headers.entrySet()) {
                if (e.getKey() != null && e.getKey().equalsIgnoreCase(name)) {
                    return e.getValue().get(0);
                }
            }
            return null;
        }

        int eventCount() {
            return body.get("events").size();
        }

        List<String> eventIds() {
            List<String> ids = new ArrayList<>();
            body.get("events").forEach(e -> ids.add(e.get("event_id").asText()));
            return ids;
        }
    }

    record Response(int status, Map<String, String> headers, String body) {}

    @FunctionalInterface
    interface Handler {
        Response handle(Request request, int number) throws Exception;
    }

    static Response allCreated(Request request, int number) {
        return new Response(
                200,
                Map.of("Content-Type", "application/json"),
                "{\"created\":" + request.eventCount() + ",\"duplicates\":0,\"rejected\":0,\"results\":[]}");
    }

    static Response problem(int status, String detail, Map<String, String> headers) {
        Map<String, String> all = new java.util.HashMap<>(headers);
        all.put("Content-Type", "application/problem+json");
        return new Response(
                status,
                all,
                "{\"type\":\"about:blank\",\"title\":\"t\",\"status\":" + status + ",\"detail\":\"" + detail + "\"}");
    }

    final List<Request> requests = new CopyOnWriteArrayList<>();
    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "test-datastorage");
        t.setDaemon(true);
        return t;
    });
    private volatile Handler handler = TestDataStorage::allCreated;
    private volatile String limitsBody;
    final java.util.concurrent.atomic.AtomicInteger limitsRequests = new java.util.concurrent.atomic.AtomicInteger();

    TestDataStorage() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::exchange);
        server.setExecutor(executor);
        server.start();
    }

    TestDataStorage handler(Handler handler) {
        this.handler = handler;
        return this;
    }

    /** Serves {@code GET /api/v1/limits} with this body; by default it answers 404 like an older server. */
    TestDataStorage limits(String body) {
        this.limitsBody = body;
        return this;
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private void exchange(HttpExchange exchange) throws IOException {
        try (exchange) {
            if ("GET".equals(exchange.getRequestMethod())
                    && exchange.getRequestURI().getPath().equals("/api/v1/limits")) {
                limitsRequests.incrementAndGet();
                String body = limitsBody;
                byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(body == null ? 404 : 200, bytes.length == 0 ? -1 : bytes.length);
                if (bytes.length > 0) {
                    exchange.getResponseBody().write(bytes);
                }
                return;
            }
            byte[] raw = exchange.getRequestBody().readAllBytes();
            JsonNode body = null;
            if (raw.length > 0) {
                InputStream in = new ByteArrayInputStream(raw);
                if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
                    in = new GZIPInputStream(in);
                }
                body = AuditJson.mapper().readTree(in);
            }
            Request request = new Request(
                    exchange.getRequestMethod(),
                    exchange.getRequestURI().getPath(),
                    Map.copyOf(exchange.getRequestHeaders()),
                    raw,
                    body);
            int number;
            synchronized (requests) {
                requests.add(request);
                number = requests.size();
            }
            Response response;
            try {
                response = handler.handle(request, number);
            } catch (Exception e) {
                response = new Response(599, Map.of(), e.toString());
            }
            if (response == null) {
                return; // close without answering
            }
            byte[] bytes =
                    response.body() == null ? new byte[0] : response.body().getBytes(StandardCharsets.UTF_8);
            response.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
            exchange.sendResponseHeaders(response.status(), bytes.length == 0 ? -1 : bytes.length);
            if (bytes.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
