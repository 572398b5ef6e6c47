package dev.auditline.datastorage.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.auditline.api.json.AuditJson;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A path parameter whose percent-encoded bytes are not UTF-8 is refused by Jetty before any route
 * runs; the answer is still the project's {@code invalid-parameter} problem naming the parameter,
 * as for a query parameter. Sent byte for byte: an HTTP client would re-encode such a path. (A
 * malformed escape such as {@code %zz} fails Jetty's request-line parser, which keeps no path to
 * map; that answer stays the generic {@code http-400} problem, see HostileQueryContract.)
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PathParameterEncodingTest {
    private LoopbackServer server;

    @BeforeAll
    void start() throws IOException {
        server = LoopbackServer.start(s -> s);
    }

    @AfterAll
    void stop() {
        server.close();
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        "GET, /api/v1/audit/events/%C0%AF, event_id",
        "GET, /api/v1/audit/events/%FF, event_id",
        "GET, /api/v1/audit/events/%ED%A0%80, event_id",
        "POST, /api/v1/k8s/%C0%AF/audit, cluster",
        "POST, /api/v1/k8s/%FF/audit, cluster",
        "GET, /ui/%C0%AF, asset",
    })
    void aBadlyEncodedPathParameterIsA400ProblemNamingIt(String method, String path, String parameter)
            throws IOException {
        String answer = rawRequest(method, path);

        assertThat(LoopbackServer.status(answer)).as(answer).isEqualTo(400);
        assertThat(answer).containsIgnoringCase("Content-Type: application/problem+json");
        JsonNode problem = AuditJson.mapper().readTree(answer.substring(answer.indexOf("\r\n\r\n") + 4));
        assertThat(problem.path("type").asText()).isEqualTo("https://auditline.dev/problems/invalid-parameter");
        assertThat(problem.path("status").asInt()).isEqualTo(400);
        assertThat(problem.path("parameter").asText()).as(answer).isEqualTo(parameter);
        assertThat(problem.path("detail").asText()).startsWith(parameter + ": ");
    }

    private String rawRequest(String method, String path) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", server.port()), 2000);
            s.setSoTimeout(10_000);
            String head = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                    + (method.equals("POST")
                            ? "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
                            : "\r\n");
            s.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            return LoopbackServer.readAnswer(s);
        }
    }
}
