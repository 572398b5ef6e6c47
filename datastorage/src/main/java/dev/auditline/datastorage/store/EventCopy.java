package dev.auditline.datastorage.store;

import dev.auditline.api.AuditEvent;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * A batch's {@code audit_events} rows written with one binary {@code COPY … FROM STDIN}: each value
 * in PostgreSQL's binary form (a uuid as its 16 bytes, a timestamp as microseconds, a date as days),
 * so neither side formats or parses them as text, and the rows go into the partitions through
 * COPY's multi-row insert. COPY has no {@code RETURNING}: the batch takes its {@code ingest_seq}
 * values from the sequence first ({@link #takeSeqs}) and writes them with the rows.
 *
 * <p>COPY has no {@code ON CONFLICT} either; the store needs none, since a stored id fails the
 * batch and {@link PostgresBatchWriter} runs it again without that id.
 */
final class EventCopy {
    /** What each column is on the wire. */
    private enum Kind {
        TEXT,
        UUID,
        TIMESTAMPTZ,
        JSONB,
        BIGINT
    }

    private static final List<String> COLUMNS = columns();

    private static final Kind[] EVENT_KINDS =
            EventSql.EVENT_COLUMNS.stream().map(EventCopy::kind).toArray(Kind[]::new);

    static final String COPY = "COPY audit_events (" + String.join(", ", COLUMNS) + ") FROM STDIN (FORMAT binary)";

    private static final String TAKE_SEQS = "SELECT nextval('audit_events_ingest_seq') FROM generate_series(1, ?)";

    /** The signature, flags and header extension length of the binary COPY format. */
    private static final byte[] HEADER = {
        'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xff, '\r', '\n', 0, 0, 0, 0, 0, 0, 0, 0, 0
    };

    /** PostgreSQL's binary dates and timestamps count from 2000-01-01 UTC. */
    private static final long PG_EPOCH_DAY = LocalDate.of(2000, 1, 1).toEpochDay();

    private static final long PG_EPOCH_MICROS = PG_EPOCH_DAY * 86_400_000_000L;

    /** Rows are encoded into chunks of this size before the COPY starts; a longer value is a chunk of its own. */
    static final int CHUNK_BYTES = 64 * 1024;

    /** The values as they are, for {@link #encode} to write each in its binary form. */
    private static final EventSql.Dialect AS_IS = new EventSql.Dialect() {
        @Override
        public Object timestampParam(Instant instant) {
            return instant;
        }

        @Override
        public Instant timestamp(ResultSet rs, String column) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Object uuidParam(UUID id) {
            return id;
        }

        @Override
        public UUID uuid(ResultSet rs, String column) {
            throw new UnsupportedOperationException();
        }
    };

    private EventCopy() {}

    /** {@code n} values of {@code audit_events_ingest_seq}, in the order the sequence gave them. */
    static long[] takeSeqs(Connection c, int n) throws SQLException {
        long[] seqs = new long[n];
        try (PreparedStatement ps = c.prepareStatement(TAKE_SEQS)) {
            ps.setInt(1, n);
            try (ResultSet rs = ps.executeQuery()) {
                int i = 0;
                while (rs.next()) {
                    seqs[i++] = rs.getLong(1);
                }
                if (i != n) {
                    throw new SQLException("the sequence gave " + i + " of " + n + " values", "XX000");
                }
            }
        }
        return seqs;
    }

    /**
     * Writes {@code events} with {@code seqs[i]} as the {@code ingest_seq} of {@code events.get(i)},
     * in one COPY on {@code c} (in a transaction the caller commits). The rows are encoded before the
     * COPY starts, so a value that cannot be encoded never leaves a COPY half sent.
     */
    static void copy(Connection c, List<AuditEvent> events, long[] seqs, String ingestedBy, Instant ingestedAt)
            throws SQLException {
        Chunks rows = encode(events, seqs, ingestedBy, ingestedAt);
        CopyIn in = c.unwrap(PGConnection.class).getCopyAPI().copyIn(COPY);
        try {
            for (int i = 0; i < rows.chunks.size(); i++) {
                in.writeToCopy(rows.chunks.get(i), 0, rows.lengths.get(i));
            }
            long stored = in.endCopy();
            if (stored != events.size()) {
                throw new SQLException("COPY stored " + stored + " of " + events.size() + " rows", "XX000");
            }
        } catch (SQLException | RuntimeException | Error e) {
            cancelKeeping(in, e);
            throw e;
        }
    }

    /**
     * Ends a COPY still under way after {@code cause} (a write that failed on the client's side);
     * the caller rolls the transaction back. A failure to cancel is kept as suppressed by {@code
     * cause}, which is the error reported.
     */
    private static void cancelKeeping(CopyIn in, Throwable cause) {
        if (!in.isActive()) {
            return; // the server ended it: endCopy reported its error
        }
        try {
            in.cancelCopy();
        } catch (SQLException | RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    /** The rows in the binary COPY format: header, one tuple per event, trailer. */
    static Chunks encode(List<AuditEvent> events, long[] seqs, String ingestedBy, Instant ingestedAt) {
        if (seqs.length != events.size()) {
            throw new IllegalArgumentException(seqs.length + " seqs for " + events.size() + " events");
        }
        Chunks out = new Chunks();
        out.bytes(HEADER);
        byte[] by = ingestedBy == null ? null : ingestedBy.getBytes(StandardCharsets.UTF_8);
        long ingestedMicros = pgMicros(ingestedAt);
        for (int row = 0; row < events.size(); row++) {
            AuditEvent e = events.get(row);
            out.room(2 + 4 + 4);
            out.putShort(COLUMNS.size());
            out.putInt(4);
            out.putInt(Math.toIntExact(EventSql.eventEpochDay(e.eventTimestamp()) - PG_EPOCH_DAY));
            Object[] values = EventSql.eventValues(e, AS_IS);
            for (int col = 0; col < values.length; col++) {
                value(out, EVENT_KINDS[col], values[col]);
            }
            out.room(12 + 12);
            out.putInt(8);
            out.putLong(ingestedMicros);
            out.putInt(8);
            out.putLong(seqs[row]);
            text(out, by);
        }
        out.room(2);
        out.putShort(-1);
        return out.finish();
    }

    private static void value(Chunks out, Kind kind, Object v) {
        if (v == null) {
            out.room(4);
            out.putInt(-1);
            return;
        }
        switch (kind) {
            case TEXT -> text(out, ((String) v).getBytes(StandardCharsets.UTF_8));
            case UUID -> {
                UUID id = (UUID) v;
                out.room(4 + 16);
                out.putInt(16);
                out.putLong(id.getMostSignificantBits());
                out.putLong(id.getLeastSignificantBits());
            }
            case TIMESTAMPTZ -> {
                out.room(4 + 8);
                out.putInt(8);
                out.putLong(pgMicros((Instant) v));
            }
            case BIGINT -> {
                out.room(4 + 8);
                out.putInt(8);
                out.putLong((Long) v);
            }
            case JSONB -> {
                byte[] json = ((String) v).getBytes(StandardCharsets.UTF_8);
                out.room(4 + 1);
                out.putInt(1 + json.length);
                out.putByte(1); // jsonb's binary format: version 1, then the JSON text
                out.bytes(json);
            }
        }
    }

    private static void text(Chunks out, byte[] utf8) {
        out.room(4);
        if (utf8 == null) {
            out.putInt(-1);
        } else {
            out.putInt(utf8.length);
            out.bytes(utf8);
        }
    }

    /** Microseconds since 2000-01-01 UTC, truncated to the microsecond as the text form stores it. */
    private static long pgMicros(Instant instant) {
        return Math.subtractExact(EventSql.epochMicros(instant), PG_EPOCH_MICROS);
    }

    private static List<String> columns() {
        List<String> columns = new ArrayList<>();
        columns.add("event_date");
        columns.addAll(EventSql.EVENT_COLUMNS);
        columns.addAll(List.of("ingested_at", "ingest_seq", "ingested_by"));
        return List.copyOf(columns);
    }

    private static Kind kind(String column) {
        return switch (column) {
            case "event_id", "parent_event_id" -> Kind.UUID;
            case "event_timestamp" -> Kind.TIMESTAMPTZ;
            case "event_data" -> Kind.JSONB;
            case "duration_ms" -> Kind.BIGINT;
            default -> Kind.TEXT;
        };
    }

    /**
     * Bytes in chunks of {@link #CHUNK_BYTES}: no array grows and is copied again, and none is large
     * enough for the collector to treat it as humongous. {@link #room} before each fixed-size write;
     * {@link #bytes} splits a value across chunks.
     */
    static final class Chunks {
        final List<byte[]> chunks = new ArrayList<>();
        final List<Integer> lengths = new ArrayList<>();
        private byte[] chunk = new byte[CHUNK_BYTES];
        private int at;

        /** Makes sure the next {@code n} bytes (at most a chunk) fit in the current chunk. */
        void room(int n) {
            if (CHUNK_BYTES - at < n) {
                next();
            }
        }

        private void next() {
            keep();
            chunk = new byte[CHUNK_BYTES];
            at = 0;
        }

        private void keep() {
            chunks.add(chunk);
            lengths.add(at);
        }

        void bytes(byte[] b) {
            int done = 0;
            while (done < b.length) {
                if (at == CHUNK_BYTES) {
                    next();
                }
                int n = Math.min(b.length - done, CHUNK_BYTES - at);
                System.arraycopy(b, done, chunk, at, n);
                at += n;
                done += n;
            }
        }

        void putByte(int v) {
            chunk[at++] = (byte) v;
        }

        void putShort(int v) {
            chunk[at++] = (byte) (v >>> 8);
            chunk[at++] = (byte) v;
        }

        void putInt(int v) {
            putShort(v >>> 16);
            putShort(v);
        }

        void putLong(long v) {
            putInt((int) (v >>> 32));
            putInt((int) v);
        }

        Chunks finish() {
            if (at > 0) {
                keep();
            }
            chunk = null;
            return this;
        }
    }
}
