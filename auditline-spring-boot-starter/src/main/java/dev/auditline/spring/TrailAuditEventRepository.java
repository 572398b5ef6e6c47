package dev.auditline.spring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.auditline.api.json.AuditJson;
import dev.auditline.client.AuditClientConfig;
import dev.auditline.client.AuditStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.actuate.audit.AuditEvent;
import org.springframework.boot.actuate.audit.AuditEventRepository;

/**
 * Actuator's audit event repository backed by the audit trail: {@link #add} stores each Actuator
 * event (Spring Security's authentication successes and failures among them) through the
 * {@link AuditStore}; {@link #find} (the {@code auditevents} endpoint) asks DataStorage's query
 * API for this service's {@code security} events.
 *
 * <p>{@link #add} runs on the thread that published the event, often a login request: it never
 * throws and never does I/O (the store buffers).
 */
final class TrailAuditEventRepository implements AuditEventRepository {
    private static final Logger LOG = LoggerFactory.getLogger(TrailAuditEventRepository.class);
    /** The most {@link #find} returns: one page of DataStorage's query API. */
    static final int FIND_LIMIT = 1000;

    private final AuditStore store;
    private final AuditClientConfig config;
    private final HttpClient http;
    private final ObjectMapper json = AuditJson.mapper();

    TrailAuditEventRepository(AuditStore store, AuditClientConfig config) {
        this.store = store;
        this.config = config;
        this.http = HttpClient.newBuilder().connectTimeout(config.timeout()).build();
    }

    @Override
    public void add(AuditEvent event) {
        try {
            // AuditEventValidationException is an IllegalArgumentException; nothing else is expected
            store.store(ActuatorAuditEvents.toTrailEvent(event, config.serviceName()));
        } catch (IllegalArgumentException e) {
            LOG.warn(
                    "Actuator audit event {} of {} not recorded: {}",
                    event.getType(),
                    event.getPrincipal(),
                    e.getMessage());
        }
    }

    @Override
    public List<AuditEvent> find(String principal, Instant after, String type) {
        StringBuilder query = new StringBuilder("/api/v1/audit/events?order=asc&limit=" + FIND_LIMIT)
                .append("&event_category=")
                .append(ActuatorAuditEvents.CATEGORY)
                .append("&resource_type=service&resource_id=")
                .append(encode(config.serviceName()));
        if (principal != null) {
            query.append("&actor_id=").append(encode(principal));
        }
        if (after != null) {
            query.append("&since=").append(encode(AuditJson.formatTimestamp(after)));
        }
        if (type != null) {
            query.append("&event_type=").append(encode(ActuatorAuditEvents.eventTypeOf(config.serviceName(), type)));
        }
        URI uri = URI.create(config.datastorageUrl().toString().replaceAll("/+$", "") + query);
        try {
            HttpRequest.Builder request =
                    HttpRequest.newBuilder(uri).timeout(config.timeout()).GET();
            if (config.auth().tokenFile() != null) {
                String token = Files.readString(config.auth().tokenFile(), StandardCharsets.UTF_8)
                        .trim();
                request.header("Authorization", "Bearer " + token);
            }
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("DataStorage answered " + response.statusCode() + " to GET " + uri);
            }
            List<AuditEvent> events = new ArrayList<>();
            for (JsonNode e : json.readTree(response.body()).path("events")) {
                events.add(toActuatorEvent(e));
            }
            return events;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot query DataStorage at " + uri, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while querying DataStorage at " + uri, e);
        }
    }

    private AuditEvent toActuatorEvent(JsonNode e) {
        Map<String, Object> data = new LinkedHashMap<>();
        e.path("event_data")
                .properties()
                .forEach(f -> data.put(f.getKey(), json.convertValue(f.getValue(), Object.class)));
        data.put("event_id", e.path("event_id").asText());
        return new AuditEvent(
                AuditJson.parseTimestamp(e.path("event_timestamp").asText()),
                e.path("actor_id").asText(),
                e.path("event_action").asText().toUpperCase(java.util.Locale.ROOT),
                data);
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
