package dev.auditline.datastorage;

import static org.assertj.core.api.Assertions.assertThat;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.ValidationReport;
import com.fasterxml.jackson.databind.JsonNode;
import dev.auditline.api.json.AuditJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A plain HTTP client for the integration tests that checks EVERY response against the server's
 * {@code openapi.yaml} with the Atlassian swagger-request-validator.
 *
 * <p>The validator understands OpenAPI 3.0 only (its schema checks are JSON Schema draft 4). Our
 * file declares 3.1.0 but sticks to the subset both versions share (no type arrays, no
 * {@code nullable}), so the tests hand the validator the same text with the version line set to
 * 3.0.3; everything else is validated as written.
 */
final class ApiClient {
    private static final OpenApiInteractionValidator VALIDATOR = createValidator();

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String baseUrl;
    private final String token;

    ApiClient(String baseUrl) {
        this(baseUrl, null);
    }

    ApiClient(String baseUrl, String token) {
        this.baseUrl = baseUrl;
        this.token = token;
    }

    ApiClient withToken(String newToken) {
        return new ApiClient(baseUrl, newToken);
    }

    record Reply(int status, Map<String, List<String>> headers, String body) {
        JsonNode json() {
            try {
                return AuditJson.mapper().readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException("not JSON: " + body, e);
            }
        }

        String header(String name) {
            return headers.entrySet().stream()
                    .filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0))
                    .findFirst()
                    .orElse(null);
        }

        String contentType() {
            return header("Content-Type");
        }
    }

    Reply get(String pathAndQuery) {
        return send("GET", pathAndQuery, null, Map.of());
    }

    Reply post(String path, String json) {
        return send("POST", path, json.getBytes(StandardCharsets.UTF_8), Map.of("Content-Type", "application/json"));
    }

    Reply postBytes(String path, byte[] body, Map<String, String> headers) {
        return send("POST", path, body, headers);
    }

    Reply send(String method, String pathAndQuery, byte[] body, Map<String, String> headers) {
        Reply reply = sendUnchecked(method, pathAndQuery, body, headers);
        checkAgainstSpec(method, pathAndQuery, reply);
        return reply;
    }

    /**
     * A POST that announces {@code contentLength} bytes and sends none, over a plain socket, for the
     * answers the server must give from the headers alone ({@code 413} from {@code Content-Length}).
     * With a real body the server answers and closes while a client may still be writing, which
     * then sees a broken pipe instead of the answer.
     */
    Reply postAnnouncing(String path, long contentLength, Map<String, String> headers) {
        URI uri = URI.create(baseUrl);
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            socket.setSoTimeout(30_000);
            StringBuilder head = new StringBuilder()
                    .append("POST ")
                    .append(path)
                    .append(" HTTP/1.1\r\nHost: ")
                    .append(uri.getHost())
                    .append(':')
                    .append(uri.getPort())
                    .append("\r\nConnection: close\r\nContent-Length: ")
                    .append(contentLength)
                    .append("\r\n");
            headers.forEach((name, value) ->
                    head.append(name).append(": ").append(value).append("\r\n"));
            if (token != null) {
                head.append("Authorization: Bearer ").append(token).append("\r\n");
            }
            head.append("\r\n");
            socket.getOutputStream().write(head.toString().getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            String raw = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int end = raw.indexOf("\r\n\r\n");
            String[] lines = raw.substring(0, end).split("\r\n");
            int status = Integer.parseInt(lines[0].split(" ")[1]);
            Map<String, List<String>> responseHeaders = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                responseHeaders
                        .computeIfAbsent(lines[i].substring(0, colon).trim(), k -> new ArrayList<>())
                        .add(lines[i].substring(colon + 1).trim());
            }
            Reply reply = new Reply(status, responseHeaders, raw.substring(end + 4));
            checkAgainstSpec("POST", path, reply);
            return reply;
        } catch (IOException e) {
            throw new UncheckedIOException("POST " + path, e);
        }
    }

    /** For the few requests the document cannot describe: unknown routes and methods. */
    Reply sendUnchecked(String method, String pathAndQuery, byte[] body, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + pathAndQuery))
                .timeout(Duration.ofSeconds(30))
                .method(
                        method,
                        body == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(b::header);
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> response;
        try {
            response = http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + pathAndQuery, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return new Reply(response.statusCode(), response.headers().map(), response.body());
    }

    /** Fails the test when a response does not match the OpenAPI document. */
    static void checkAgainstSpec(String method, String pathAndQuery, Reply reply) {
        String path = pathAndQuery.contains("?") ? pathAndQuery.substring(0, pathAndQuery.indexOf('?')) : pathAndQuery;
        SimpleResponse.Builder response =
                SimpleResponse.Builder.status(reply.status()).withBody(reply.body());
        reply.headers().forEach((name, values) -> response.withHeader(name, values));
        if (reply.contentType() != null) {
            response.withContentType(reply.contentType());
        }
        ValidationReport report = VALIDATOR.validateResponse(path, Request.Method.valueOf(method), response.build());
        assertThat(report.getMessages())
                .as("%s %s -> %d %s does not match openapi.yaml", method, path, reply.status(), reply.body())
                .filteredOn(m -> m.getLevel() == ValidationReport.Level.ERROR)
                .isEmpty();
    }

    static String openApiText() {
        try (InputStream in = ApiClient.class.getResourceAsStream("/openapi.yaml")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static OpenApiInteractionValidator createValidator() {
        String spec = openApiText();
        assertThat(spec).startsWith("openapi: 3.1.0");
        return OpenApiInteractionValidator.createForInlineApiSpecification(
                        spec.replaceFirst("openapi: 3\\.1\\.0", "openapi: 3.0.3"))
                .build();
    }
}
