package dev.auditline.datastorage.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.EventData;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link EventCopy}'s bytes against PostgreSQL's binary COPY format written out by hand here, one
 * field at a time through a {@link DataOutputStream}: the column order, each type's binary form,
 * and the 64 KB chunks, with rows sized so that chunk boundaries fall at every offset of a row's
 * fixed-size fields and inside its text.
 */
class EventCopyTest {
    private static final Instant INGESTED_AT = Instant.parse("2026-11-29T03:30:00.123456Z");

    @Test
    void copiesTheColumnsInTheOrderItWritesThem() {
        assertThat(EventCopy.COPY)
                .isEqualTo("COPY audit_events (event_date, event_id, version, event_type, event_category, event_action,"
                        + " event_outcome, event_timestamp, correlation_id, actor_type, actor_id, resource_type,"
                        + " resource_id, event_data, actor_ip, resource_name, parent_event_id, namespace, cluster_id,"
                        + " severity, duration_ms, error_code, error_message, trace_id, span_id, ingested_at,"
                        + " ingest_seq, ingested_by) FROM STDIN (FORMAT binary)");
    }

    /**
     * Each step of {@code stepBytes} lengthens one row's {@code event_data} by that many bytes, so
     * the rows after it shift against the chunk boundaries by every offset up to a row's length.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 3, 7})
    void writesEveryRowAsTheFormatSaysAcrossChunkBoundaries(int stepBytes) throws IOException {
        List<AuditEvent> events = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            String text = "x".repeat(i * stepBytes % 1_500) + (i % 5 == 0 ? "ü日🙂" : "");
            Instant at = Instant.parse("2026-11-28T10:00:00Z")
                    .minus(i, ChronoUnit.HOURS)
                    .plusNanos(i * 1_001L);
            AuditEvent.Builder b =
                    i % 2 == 0 ? TestEvents.full("c-" + i, at).toBuilder() : TestEvents.minimal("c-" + i, at);
            events.add(b.eventData(EventData.of(Map.of("t", text))).build());
        }
        events.add(TestEvents.minimal("big", INGESTED_AT)
                .eventData(EventData.of(Map.of("t", "y".repeat(200_000))))
                .build()); // more than three chunks in one value
        long[] seqs = new long[events.size()];
        for (int i = 0; i < seqs.length; i++) {
            seqs[i] = 1_000_000_000_000L + 7L * i;
        }

        EventCopy.Chunks chunks = EventCopy.encode(events, seqs, "svc-ü", INGESTED_AT);

        assertThat(chunks.chunks).hasSizeGreaterThan(8);
        for (int i = 0; i < chunks.chunks.size(); i++) {
            assertThat(chunks.lengths.get(i)).isBetween(1, EventCopy.CHUNK_BYTES);
        }
        assertThat(joined(chunks)).isEqualTo(expected(events, seqs, "svc-ü", INGESTED_AT));
    }

    @Test
    void writesAnAbsentIngestedByAsNull() throws IOException {
        List<AuditEvent> events = List.of(TestEvents.event("c", INGESTED_AT));
        long[] seqs = {42};

        assertThat(joined(EventCopy.encode(events, seqs, null, INGESTED_AT)))
                .isEqualTo(expected(events, seqs, null, INGESTED_AT));
    }

    private static byte[] joined(EventCopy.Chunks chunks) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (int i = 0; i < chunks.chunks.size(); i++) {
            all.write(chunks.chunks.get(i), 0, chunks.lengths.get(i));
        }
        return all.toByteArray();
    }

    /** The format, written out: https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4 */
    private static byte[] expected(List<AuditEvent> events, long[] seqs, String by, Instant ingestedAt)
            throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.write("PGCOPY\n".getBytes(StandardCharsets.US_ASCII));
        out.write(new byte[] {(byte) 0xff, '\r', '\n', 0});
        out.writeInt(0); // flags
        out.writeInt(0); // header extension length
        for (int i = 0; i < events.size(); i++) {
            AuditEvent e = events.get(i);
            out.writeShort(28);
            LocalDate day = e.eventTimestamp().atOffset(ZoneOffset.UTC).toLocalDate();
            out.writeInt(4);
            out.writeInt((int) (day.toEpochDay() - LocalDate.of(2000, 1, 1).toEpochDay()));
            uuid(out, e.eventId());
            text(out, e.version());
            text(out, e.eventType());
            text(out, e.eventCategory());
            text(out, e.eventAction());
            text(out, e.eventOutcome().wireName());
            timestamp(out, e.eventTimestamp());
            text(out, e.correlationId());
            text(out, e.actorType());
            text(out, e.actorId());
            text(out, e.resourceType());
            text(out, e.resourceId());
            byte[] json = e.eventData().json().getBytes(StandardCharsets.UTF_8);
            out.writeInt(1 + json.length);
            out.writeByte(1); // jsonb version
            out.write(json);
            text(out, e.actorIp());
            text(out, e.resourceName());
            uuid(out, e.parentEventId());
            text(out, e.namespace());
            text(out, e.clusterId());
            text(out, e.severity());
            if (e.durationMs() == null) {
                out.writeInt(-1);
            } else {
                out.writeInt(8);
                out.writeLong(e.durationMs());
            }
            text(out, e.errorCode());
            text(out, e.errorMessage());
            text(out, e.traceId());
            text(out, e.spanId());
            timestamp(out, ingestedAt);
            out.writeInt(8);
            out.writeLong(seqs[i]);
            text(out, by);
        }
        out.writeShort(-1);
        return bytes.toByteArray();
    }

    private static void text(DataOutputStream out, String s) throws IOException {
        if (s == null) {
            out.writeInt(-1);
            return;
        }
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    private static void uuid(DataOutputStream out, UUID id) throws IOException {
        if (id == null) {
            out.writeInt(-1);
            return;
        }
        out.writeInt(16);
        out.writeLong(id.getMostSignificantBits());
        out.writeLong(id.getLeastSignificantBits());
    }

    /** Microseconds since 2000-01-01T00:00:00Z, the sub-microsecond part dropped. */
    private static void timestamp(DataOutputStream out, Instant t) throws IOException {
        out.writeInt(8);
        out.writeLong(
                ChronoUnit.MICROS.between(Instant.parse("2000-01-01T00:00:00Z"), t.truncatedTo(ChronoUnit.MICROS)));
    }
}
