package dev.auditline.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.auditline.api.AuditEvent;
import dev.auditline.api.internal.Secrets;
import dev.auditline.api.json.AuditJson;
import dev.auditline.api.wire.BatchRequest;
import dev.auditline.api.wire.BatchResponse;
import dev.auditline.api.wire.ServerLimits;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The production {@link BatchSink}: one {@code POST {datastorage_url}/api/v1/audit/events/batch}
 * per call on {@code java.net.http}, gzip-compressed, with a bearer token read from {@code
 * auth.token_file} on every request (so a rotated token is picked up without a restart).
 *
 * <p>It only translates HTTP into a {@link SendOutcome}; what a status means for the events is
 * decided by {@link BufferedAuditStore}.
 */
final class HttpBatchSink implements BatchSink {
    private static final Logger log = LoggerFactory.getLogger(HttpBatchSink.class);

    static final String BATCH_PATH = "/api/v1/audit/events/batch";
    static final String LIMITS_PATH = "/api/v1/limits";
    /** Longest problem detail kept for logs: {@value} characters. */
    private static final int MAX_DETAIL_CHARS = 300;

    private final HttpClient http;
    private final URI batchUri;
    private final URI limitsUri;
    /** {@link #batchUri} and {@link #limitsUri} for logs, secrets masked. */
    private final String batchUriText;

    private final String limitsUriText;
    private final Duration timeout;
    private final Path tokenFile;
    private final String userAgent;
    private final Clock clock;

    HttpBatchSink(URI baseUrl, Duration timeout, Path tokenFile, String serviceName, Clock clock) {
        this.batchUri = resolve(baseUrl, BATCH_PATH);
        this.limitsUri = resolve(baseUrl, LIMITS_PATH);
        this.batchUriText = Secrets.mask(batchUri.toString());
        this.limitsUriText = Secrets.mask(limitsUri.toString());
        this.timeout = timeout;
        this.tokenFile = tokenFile;
        this.userAgent = "auditline-client (" + serviceName + ")";
        this.clock = clock;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /**
     * @throws IllegalArgumentException when the token file cannot be read now: better to fail at
     *     start-up than to drop every batch with a 401 later
     */
    static HttpBatchSink create(AuditClientConfig config, Clock clock) {
        Path tokenFile = config.auth().tokenFile();
        if (tokenFile != null) {
            try {
                readToken(tokenFile);
            } catch (IOException e) {
                throw new IllegalArgumentException(
                        "audit.auth.token_file: cannot read " + tokenFile + " (" + e + ")", e);
            }
        }
        return new HttpBatchSink(config.datastorageUrl(), config.timeout(), tokenFile, config.serviceName(), clock);
    }

    private static URI resolve(URI base, String path) {
        String text = base.toString();
        while (text.endsWith("/")) {
            text = text.substring(0, text.length() - 1);
        }
        return URI.create(text + path);
    }

    private static String readToken(Path file) throws IOException {
        String token = Files.readString(file, StandardCharsets.UTF_8).trim();
        if (token.isEmpty()) {
            throw new IOException("token file is empty");
        }
        return token;
    }

    @Override
    public SendOutcome send(List<AuditEvent> events) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(batchUri)
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .header("Content-Encoding", "gzip")
                .header("Accept", "application/json, application/problem+json")
                .header("User-Agent", userAgent)
                .POST(HttpRequest.BodyPublishers.ofByteArray(gzipJson(events)));
        if (tokenFile != null) {
            request.header("Authorization", "Bearer " + readToken(tokenFile));
        }
        HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        int status = response.statusCode();
        Duration retryAfter = response.headers()
                .firstValue("Retry-After")
                .map(this::parseRetryAfter)
                .orElse(null);
        int maxBatchSize = header(response, ServerLimits.HEADER_MAX_BATCH_SIZE)
                .map(Long::intValue)
                .orElse(0);
        long maxRequestBytes =
                header(response, ServerLimits.HEADER_MAX_REQUEST_BYTES).orElse(0L);
        BatchResponse body = null;
        String detail = null;
        if (status >= 200 && status < 300) {
            try {
                body = AuditJson.mapper().readValue(response.body(), BatchResponse.class);
            } catch (IOException e) {
                // The server committed (2xx); an unreadable body must not turn acked events into retries.
                log.warn(
                        "unreadable {} answer from {}; counting the batch as acked: {}",
                        status,
                        batchUriText,
                        e.toString());
            }
        } else {
            detail = problemDetail(response.body());
        }
        return new SendOutcome(status, body, retryAfter, maxBatchSize, maxRequestBytes, detail);
    }

    /** {@code GET /api/v1/limits}; empty when the server does not serve it (older servers answer 404). */
    @Override
    public Optional<ServerLimits> fetchLimits() throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(limitsUri)
                .timeout(timeout)
                .header("Accept", "application/json")
                .header("User-Agent", userAgent)
                .GET();
        if (tokenFile != null) {
            request.header("Authorization", "Bearer " + readToken(tokenFile));
        }
        HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() != 200) {
            log.debug("no limits from {}: status {}", limitsUriText, response.statusCode());
            return Optional.empty();
        }
        return Optional.of(AuditJson.mapper().readValue(response.body(), ServerLimits.class));
    }

    static byte[] gzipJson(List<AuditEvent> events) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(8192);
        try (OutputStream gzip = new GZIPOutputStream(bytes, 8192)) {
            AuditJson.mapper().writeValue(gzip, new BatchRequest(events));
        }
        return bytes.toByteArray();
    }

    /** Seconds ({@code 120}) or an HTTP date; {@code null} when neither. */
    Duration parseRetryAfter(String value) {
        String v = value.trim();
        try {
            long seconds = Long.parseLong(v);
            return seconds < 0 ? null : Duration.ofSeconds(seconds);
        } catch (NumberFormatException notSeconds) {
            try {
                ZonedDateTime at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
                Duration d = Duration.between(clock.instant(), at.toInstant());
                return d.isNegative() ? Duration.ZERO : d;
            } catch (DateTimeParseException notDate) {
                log.debug("ignoring unreadable Retry-After: {}", v);
                return null;
            }
        }
    }

    private static Optional<Long> header(HttpResponse<?> response, String name) {
        return response.headers().firstValue(name).flatMap(v -> {
            try {
                long n = Long.parseLong(v.trim());
                return n > 0 ? Optional.of(n) : Optional.empty();
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        });
    }

    private static String problemDetail(byte[] body) {
        if (body == null || body.length == 0) {
            return null;
        }
        String text;
        try {
            JsonNode problem = AuditJson.mapper().readTree(body);
            JsonNode detail = problem.get("detail");
            JsonNode title = problem.get("title");
            text = detail != null ? detail.asText() : title != null ? title.asText() : problem.toString();
        } catch (IOException | RuntimeException notJson) {
            text = new String(body, StandardCharsets.UTF_8);
        }
        return text.length() > MAX_DETAIL_CHARS ? text.substring(0, MAX_DETAIL_CHARS) + "…" : text;
    }
}
