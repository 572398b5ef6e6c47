package dev.auditline.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.auditline.api.AuditEvent;
import dev.auditline.api.EventOutcome;
import dev.auditline.api.json.AuditJson;
import dev.auditline.api.wire.BatchRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;

/**
 * The events of the ingest load run: a remediation-orchestrator's lifecycle events of about
 * {@code eventBytes} of JSON each, most of it {@code event_data} of varied words and ids (so gzip
 * compresses them about as well as real payloads, not 100:1). The content depends only on the
 * seed, so the HTTP and the JDBC phase of a round store the same rows; the ids are new UUIDv7s
 * each time, so no phase ever hits a duplicate.
 */
final class IngestEvents {
    private static final String[] STEPS = {
        "requested", "approved", "planned", "started", "validated", "applied", "verified", "completed"
    };
    private static final String[] WORDS = {
        "node",
        "drain",
        "pod",
        "restart",
        "disk",
        "pressure",
        "memory",
        "cordon",
        "rollout",
        "canary",
        "replica",
        "quota",
        "timeout",
        "retry",
        "volume",
        "snapshot",
        "certificate",
        "rotate",
        "ingress",
        "scale",
        "evict",
        "taint",
        "kernel",
        "patch",
        "upgrade",
        "rollback",
        "alert",
        "threshold",
        "window",
        "maintenance",
        "approval",
        "policy"
    };

    private IngestEvents() {}

    /** {@code count} events; the same seed gives the same content with new event ids. */
    static List<AuditEvent> generate(long seed, int count, int eventBytes, Instant now) {
        SplittableRandom random = new SplittableRandom(seed);
        List<AuditEvent> events = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            events.add(event(random, eventBytes, now));
        }
        return events;
    }

    private static AuditEvent event(SplittableRandom random, int eventBytes, Instant now) {
        int flow = random.nextInt(1_000_000);
        String step = STEPS[random.nextInt(STEPS.length)];
        String request = "rr-" + flow;
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("step", step);
        data.put("approver", "oncall-" + random.nextInt(40));
        data.put("cluster", "prod-eu-" + random.nextInt(6));
        data.put("attempt", 1 + random.nextInt(3));
        data.put("labels", Map.of("team", "sre-" + random.nextInt(12), "tier", random.nextBoolean() ? "1" : "2"));
        AuditEvent.Builder b = AuditEvent.builder()
                .eventType("orchestrator.remediation." + step)
                .eventCategory("orchestration")
                .eventAction(step)
                .eventOutcome(random.nextInt(20) == 0 ? EventOutcome.FAILURE : EventOutcome.SUCCESS)
                .eventTimestamp(now.minusMillis(random.nextLong(3_600_000L)))
                .correlationId(request)
                .actor("service", "remediation-orchestrator")
                .resource("remediation_request", request)
                .namespace("remediation")
                .clusterId("prod-eu-1")
                .durationMs((long) random.nextInt(5_000))
                .traceId(hex(random, 32))
                .spanId(hex(random, 16))
                .eventData(data);
        int size = jsonBytes(b.build());
        StringBuilder details = new StringBuilder();
        // ~16 bytes of JSON for the "details" key and quotes
        while (size + details.length() + 16 < eventBytes) {
            details.append(WORDS[random.nextInt(WORDS.length)]).append(' ');
            if (random.nextInt(8) == 0) {
                details.append(hex(random, 12)).append(' ');
            }
        }
        data.put("details", details.toString());
        return b.eventData(data).build();
    }

    private static String hex(SplittableRandom random, int chars) {
        StringBuilder s = new StringBuilder(chars);
        for (int i = 0; i < chars; i++) {
            s.append(Character.forDigit(random.nextInt(16), 16));
        }
        return s.toString();
    }

    static int jsonBytes(AuditEvent e) {
        try {
            return AuditJson.mapper().writeValueAsBytes(e).length;
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** The request body the real client sends: {@code {"events":[…]}} in gzip. */
    static byte[] gzipBatch(List<AuditEvent> events) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 * 1024);
        try (OutputStream gzip = new GZIPOutputStream(bytes, 8192)) {
            AuditJson.mapper().writeValue(gzip, new BatchRequest(events));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** The columns of {@link #postgresRow} and {@link #sqliteRow}, in order; ingested_at and ingested_by follow. */
    static final List<String> COLUMNS = List.of(
            "event_date",
            "event_id",
            "version",
            "event_type",
            "event_category",
            "event_action",
            "event_outcome",
            "event_timestamp",
            "correlation_id",
            "actor_type",
            "actor_id",
            "resource_type",
            "resource_id",
            "event_data",
            "actor_ip",
            "resource_name",
            "parent_event_id",
            "namespace",
            "cluster_id",
            "severity",
            "duration_ms",
            "error_code",
            "error_message",
            "trace_id",
            "span_id");

    /** One row as pgjdbc binds it: date, uuid and timestamptz as Java types, event_data as JSON text. */
    static Object[] postgresRow(AuditEvent e) {
        Instant ts = e.eventTimestamp().truncatedTo(ChronoUnit.MICROS);
        return row(
                e, LocalDate.ofInstant(ts, ZoneOffset.UTC), e.eventId(), OffsetDateTime.ofInstant(ts, ZoneOffset.UTC));
    }

    /** One row in the SQLite schema's types: text dates and ids, timestamps in epoch microseconds. */
    static Object[] sqliteRow(AuditEvent e) {
        Instant ts = e.eventTimestamp().truncatedTo(ChronoUnit.MICROS);
        Object[] row = row(
                e,
                LocalDate.ofInstant(ts, ZoneOffset.UTC).toString(),
                e.eventId().toString(),
                ChronoUnit.MICROS.between(Instant.EPOCH, ts));
        int parent = COLUMNS.indexOf("parent_event_id");
        row[parent] = row[parent] == null ? null : row[parent].toString();
        return row;
    }

    private static Object[] row(AuditEvent e, Object date, Object id, Object timestamp) {
        return new Object[] {
            date,
            id,
            e.version(),
            e.eventType(),
            e.eventCategory(),
            e.eventAction(),
            e.eventOutcome().wireName(),
            timestamp,
            e.correlationId(),
            e.actorType(),
            e.actorId(),
            e.resourceType(),
            e.resourceId(),
            e.eventData().toString(),
            e.actorIp(),
            e.resourceName(),
            e.parentEventId(),
            e.namespace(),
            e.clusterId(),
            e.severity(),
            e.durationMs(),
            e.errorCode(),
            e.errorMessage(),
            e.traceId(),
            e.spanId()
        };
    }

    /** {@code INSERT … VALUES (?, …) ON CONFLICT DO NOTHING} over {@link #COLUMNS}, ingested_at and ingested_by. */
    static String insertSql(String eventDataPlaceholder) {
        StringBuilder sql = new StringBuilder("INSERT INTO audit_events (")
                .append(String.join(", ", COLUMNS))
                .append(", ingested_at, ingested_by) VALUES (");
        for (String column : COLUMNS) {
            sql.append(column.equals("event_data") ? eventDataPlaceholder : "?").append(", ");
        }
        return sql.append("?, ?) ON CONFLICT DO NOTHING").toString();
    }
}
