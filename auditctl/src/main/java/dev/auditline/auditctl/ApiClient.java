package dev.auditline.auditctl;

import com.fasterxml.jackson.databind.JsonNode;
import dev.auditline.api.json.AuditJson;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.StringJoiner;

/**
 * DataStorage's HTTP API as auditctl uses it: GET requests with the bearer token from {@code
 * --token-file} (read on every request, so a rotated token is picked up by {@code tail -f}), JSON
 * answers as Jackson trees, and every error turned into a {@link CommandFailure} whose message is
 * one readable line: the request, the status and the problem's detail, or why the server could not
 * be reached.
 */
public final class ApiClient {
    /** Connect timeout: {@value} seconds. */
    static final int CONNECT_TIMEOUT_SECONDS = 10;

    private final URI baseUrl;
    private final Path tokenFile;
    private final HttpClient http;

    public ApiClient(URI baseUrl, Path tokenFile) {
        this.baseUrl = baseUrl;
        this.tokenFile = tokenFile;
        this.http = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(CONNECT_TIMEOUT_SECONDS))
                .build();
    }

    public URI baseUrl() {
        return baseUrl;
    }

    /** {@code path?query} against the base URL; null or empty values are left out. */
    public URI uri(String path, Map<String, String> query) {
        String base = baseUrl.toString();
        if (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        StringJoiner params = new StringJoiner("&");
        query.forEach((name, value) -> {
            if (value != null && !value.isEmpty()) {
                params.add(encode(name) + "=" + encode(value));
            }
        });
        String q = params.length() == 0 ? "" : "?" + params;
        return URI.create(base + path + q);
    }

    /** GETs a JSON document; any non-2xx answer becomes a {@link CommandFailure}. */
    public JsonNode getJson(URI uri, Duration timeout) {
        HttpResponse<byte[]> response = send(uri, timeout, HttpResponse.BodyHandlers.ofByteArray());
        try {
            return AuditJson.mapper().readTree(response.body());
        } catch (IOException e) {
            throw new CommandFailure(
                    ExitCodes.SERVER_ERROR, "GET " + uri.getPath() + ": answer is not JSON: " + e.getMessage(), e);
        }
    }

    /** GETs a body as a stream (for large downloads); the caller closes it. */
    public InputStream getStream(URI uri, Duration timeout) {
        return send(uri, timeout, HttpResponse.BodyHandlers.ofInputStream()).body();
    }

    /** Status of a GET without throwing for 404: the caller decides what "absent" means. */
    public HttpResponse<byte[]> getRaw(URI uri, Duration timeout) {
        return exchange(uri, timeout, HttpResponse.BodyHandlers.ofByteArray());
    }

    private <T> HttpResponse<T> send(URI uri, Duration timeout, HttpResponse.BodyHandler<T> handler) {
        HttpResponse<T> response = exchange(uri, timeout, handler);
        if (response.statusCode() / 100 != 2) {
            byte[] body = readErrorBody(response.body());
            throw new CommandFailure(ExitCodes.SERVER_ERROR, describeError("GET", uri, response.statusCode(), body));
        }
        return response;
    }

    private <T> HttpResponse<T> exchange(URI uri, Duration timeout, HttpResponse.BodyHandler<T> handler) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("Accept", "application/json, application/problem+json")
                .GET();
        String token = readToken();
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        try {
            return http.send(request.build(), handler);
        } catch (HttpTimeoutException e) {
            throw new CommandFailure(
                    ExitCodes.SERVER_ERROR,
                    "GET " + uri.getPath() + ": no answer from " + baseUrl + " within " + timeout);
        } catch (ConnectException e) {
            throw new CommandFailure(
                    ExitCodes.SERVER_ERROR, "cannot reach DataStorage at " + baseUrl + " (connection refused)");
        } catch (IOException e) {
            throw new CommandFailure(ExitCodes.SERVER_ERROR, "cannot reach DataStorage at " + baseUrl + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommandFailure(ExitCodes.SERVER_ERROR, "interrupted", e);
        }
    }

    /**
     * One line for an error answer: {@code GET /api/v1/audit/events: 400 Bad Request: limit must be
     * between 1 and 1000 (got 0)}. A problem+json body gives its title and detail; any other body its
     * first 200 characters.
     */
    static String describeError(String method, URI uri, int status, byte[] body) {
        StringBuilder line = new StringBuilder(method)
                .append(' ')
                .append(uri.getPath())
                .append(": ")
                .append(status);
        try {
            JsonNode problem = AuditJson.mapper().readTree(body);
            if (problem != null && problem.isObject()) {
                if (problem.hasNonNull("title")) {
                    line.append(' ').append(problem.get("title").asText());
                }
                if (problem.hasNonNull("detail")) {
                    line.append(": ").append(problem.get("detail").asText());
                }
                return line.toString();
            }
        } catch (IOException | RuntimeException notJson) {
            // fall through to the raw text
        }
        String text = new String(body, StandardCharsets.UTF_8).strip().replaceAll("\\s+", " ");
        if (!text.isEmpty()) {
            line.append(": ").append(text, 0, Math.min(text.length(), 200));
        }
        return line.toString();
    }

    private static byte[] readErrorBody(Object body) {
        if (body instanceof byte[] bytes) {
            return bytes;
        }
        if (body instanceof InputStream in) {
            try (in) {
                return in.readNBytes(64 * 1024);
            } catch (IOException e) {
                return new byte[0];
            }
        }
        return new byte[0];
    }

    private String readToken() {
        if (tokenFile == null) {
            return null;
        }
        try {
            String token = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
            return token.isEmpty() ? null : token;
        } catch (IOException e) {
            throw new CommandFailure(
                    ExitCodes.USAGE, "cannot read --token-file " + tokenFile + ": " + e.getMessage(), e);
        }
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
