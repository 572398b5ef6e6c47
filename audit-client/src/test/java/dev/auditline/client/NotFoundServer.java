package dev.auditline.client;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * A loopback HTTP server that answers every request {@code 404} with a problem body: the client
 * drops each event it sends there (reason {@code not_found}) or spools it, and never retries.
 */
final class NotFoundServer implements AutoCloseable {
    private final HttpServer server;

    private NotFoundServer(HttpServer server) {
        this.server = server;
    }

    static NotFoundServer start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            byte[] body = "{\"title\":\"Not Found\",\"status\":404,\"detail\":\"no such route\"}"
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/problem+json");
            exchange.sendResponseHeaders(404, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        return new NotFoundServer(server);
    }

    int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
