package dev.auditline.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class PlainHttpClientTest {
    private HttpServer server;
    private final Set<Integer> clientPorts = ConcurrentHashMap.newKeySet();

    @BeforeEach
    void startServer() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/fixed", exchange -> {
            clientPorts.add(exchange.getRemoteAddress().getPort());
            byte[] body = ("fixed " + exchange.getRequestURI().getRawQuery()).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.createContext("/chunked", exchange -> {
            clientPorts.add(exchange.getRemoteAddress().getPort());
            exchange.sendResponseHeaders(200, 0); // length 0: chunked
            try (OutputStream out = exchange.getResponseBody()) {
                for (int i = 0; i < 3; i++) {
                    out.write(("x".repeat(20_000) + i).getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
            }
        });
        server.createContext("/missing", exchange -> {
            byte[] body = "no such thing".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(404, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    @Test
    void readsFixedLengthAndChunkedAnswersWhole() throws Exception {
        try (PlainHttpClient client =
                new PlainHttpClient("127.0.0.1", server.getAddress().getPort())) {
            PlainHttpClient.Answer fixed = client.get("/fixed?correlation_id=a%20b");
            PlainHttpClient.Answer chunked = client.get("/chunked");

            assertThat(fixed.status()).isEqualTo(200);
            assertThat(new String(fixed.body(), StandardCharsets.UTF_8)).isEqualTo("fixed correlation_id=a%20b");
            assertThat(chunked.status()).isEqualTo(200);
            assertThat(new String(chunked.body(), StandardCharsets.UTF_8))
                    .isEqualTo("x".repeat(20_000) + 0 + "x".repeat(20_000) + 1 + "x".repeat(20_000) + 2);
        }
    }

    @Test
    void keepsOneConnectionAcrossRequests() throws Exception {
        try (PlainHttpClient client =
                new PlainHttpClient("127.0.0.1", server.getAddress().getPort())) {
            for (int i = 0; i < 20; i++) {
                assertThat(client.get(i % 2 == 0 ? "/fixed?i=" + i : "/chunked").status())
                        .isEqualTo(200);
            }
        }
        assertThat(clientPorts).hasSize(1);
    }

    @Test
    void reportsTheStatusAndBodyOfAnError() throws Exception {
        try (PlainHttpClient client =
                new PlainHttpClient("127.0.0.1", server.getAddress().getPort())) {
            PlainHttpClient.Answer answer = client.get("/missing");

            assertThat(answer.status()).isEqualTo(404);
            assertThat(new String(answer.body(), StandardCharsets.UTF_8)).isEqualTo("no such thing");
            assertThat(client.get("/fixed?after=404").status()).isEqualTo(200);
        }
    }
}
