package dev.auditline.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import org.postgresql.copy.CopyManager;
import org.postgresql.core.BaseConnection;

/**
 * The three strongest raw ways to write a batch of rows into DataStorage's PostgreSQL schema from
 * Java, each one transaction per batch, no HTTP, no validation, no log: what DataStorage's ingest is
 * measured against.
 *
 * <ul>
 *   <li>{@link Method#REWRITE}: {@code INSERT … VALUES (…) ON CONFLICT DO NOTHING} with {@code
 *       addBatch}/{@code executeBatch} and pgjdbc's {@code reWriteBatchedInserts=true}, which sends
 *       multi-row INSERTs;
 *   <li>{@link Method#UNNEST}: one {@code INSERT … SELECT FROM unnest(?::text[]::type[], …) ON
 *       CONFLICT DO NOTHING} per batch, every column an array parameter sent in binary (text[], with
 *       {@code duration_ms} as bigint[]); no {@code RETURNING}, which DataStorage needs and a raw
 *       writer does not;
 *   <li>{@link Method#COPY}: binary {@code COPY audit_events (…) FROM STDIN}, the rows encoded in
 *       PostgreSQL's binary copy format inside the timed code. COPY has no {@code ON CONFLICT}: a
 *       duplicate id would fail the whole batch, so this is the fastest write, not one with
 *       DataStorage's semantics (a real writer would need a staging table and an {@code INSERT …
 *       SELECT … ON CONFLICT}, a second pass over the rows).
 * </ul>
 *
 * Same table, same primary key, same indexes, same trigger as DataStorage writes to; {@code
 * ingest_seq} from the same sequence default. Rows are {@link IngestEvents#postgresRow} values.
 */
final class PostgresBaselines implements AutoCloseable {
    enum Method {
        REWRITE,
        UNNEST,
        COPY
    }

    private static final String INGESTED_BY = "bench";
    /** PostgreSQL's binary timestamps and dates count from 2000-01-01. */
    private static final long PG_EPOCH_DAY = LocalDate.of(2000, 1, 1).toEpochDay();

    private static final long PG_EPOCH_MICROS = PG_EPOCH_DAY * 86_400_000_000L;

    private final HikariDataSource plain;
    private final HikariDataSource rewrite;
    private final String insert = IngestEvents.insertSql("?::jsonb");
    private final String unnest = unnestSql();
    private final String copy = "COPY audit_events (" + String.join(", ", IngestEvents.COLUMNS)
            + ", ingested_at, ingested_by) FROM STDIN (FORMAT binary)";

    PostgresBaselines(BenchPostgres pg, String schema, int poolSize) {
        this.plain = pool(pg, pg.urlFor(schema), poolSize, "bench-raw");
        this.rewrite = pool(pg, pg.urlFor(schema) + "&reWriteBatchedInserts=true", poolSize, "bench-rewrite");
    }

    private static HikariDataSource pool(BenchPostgres pg, String url, int poolSize, String name) {
        HikariConfig hikari = new HikariConfig();
        hikari.setPoolName(name);
        hikari.setJdbcUrl(url);
        if (pg.user() != null) {
            hikari.setUsername(pg.user());
        }
        if (pg.password() != null) {
            hikari.setPassword(pg.password());
        }
        hikari.setMaximumPoolSize(poolSize);
        hikari.setAutoCommit(false);
        return new HikariDataSource(hikari);
    }

    /** Stores {@code rows} in one transaction with {@code method}. */
    void insert(Method method, List<Object[]> rows) throws SQLException {
        OffsetDateTime ingestedAt = OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
        try (Connection c = (method == Method.REWRITE ? rewrite : plain).getConnection()) {
            switch (method) {
                case REWRITE -> {
                    try (PreparedStatement ps = c.prepareStatement(insert)) {
                        for (Object[] row : rows) {
                            int i = 1;
                            for (Object value : row) {
                                ps.setObject(i++, value);
                            }
                            ps.setObject(i++, ingestedAt);
                            ps.setString(i, INGESTED_BY);
                            ps.addBatch();
                        }
                        ps.executeBatch();
                    }
                }
                case UNNEST -> insertUnnest(c, rows, ingestedAt);
                case COPY -> {
                    byte[] data = copyData(rows, ingestedAt);
                    try {
                        long n = new CopyManager(c.unwrap(BaseConnection.class))
                                .copyIn(copy, new ByteArrayInputStream(data));
                        if (n != rows.size()) {
                            throw new IllegalStateException("COPY stored " + n + " of " + rows.size() + " rows");
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            }
            c.commit();
        }
    }

    private void insertUnnest(Connection c, List<Object[]> rows, OffsetDateTime ingestedAt) throws SQLException {
        List<String> columns = IngestEvents.COLUMNS;
        int duration = columns.indexOf("duration_ms");
        int n = rows.size();
        Object[] arrays = new Object[columns.size()];
        for (int col = 0; col < columns.size(); col++) {
            if (col == duration) {
                Long[] values = new Long[n];
                for (int r = 0; r < n; r++) {
                    values[r] = (Long) rows.get(r)[col];
                }
                arrays[col] = values;
            } else {
                String[] values = new String[n];
                for (int r = 0; r < n; r++) {
                    Object v = rows.get(r)[col];
                    values[r] = v == null ? null : v.toString();
                }
                arrays[col] = values;
            }
        }
        try (PreparedStatement ps = c.prepareStatement(unnest)) {
            // ingested_at and ingested_by come first in the SQL text (the select list)
            ps.setObject(1, ingestedAt);
            ps.setString(2, INGESTED_BY);
            for (int col = 0; col < arrays.length; col++) {
                ps.setObject(col + 3, arrays[col]);
            }
            ps.executeUpdate();
        }
    }

    private static String unnestSql() {
        List<String> columns = IngestEvents.COLUMNS;
        StringBuilder sql = new StringBuilder("INSERT INTO audit_events (")
                .append(String.join(", ", columns))
                .append(", ingested_at, ingested_by) SELECT u.*, ?::timestamptz, ?::text FROM unnest(");
        for (int i = 0; i < columns.size(); i++) {
            String type = sqlType(columns.get(i));
            sql.append(i == 0 ? "" : ", ")
                    .append(type.equals("bigint") ? "?::bigint[]" : "?::text[]")
                    .append(type.equals("text") || type.equals("bigint") ? "" : "::" + type + "[]");
        }
        return sql.append(") AS u ON CONFLICT DO NOTHING").toString();
    }

    private static String sqlType(String column) {
        return switch (column) {
            case "event_date" -> "date";
            case "event_id", "parent_event_id" -> "uuid";
            case "event_timestamp" -> "timestamptz";
            case "event_data" -> "jsonb";
            case "duration_ms" -> "bigint";
            default -> "text";
        };
    }

    /** The rows in PostgreSQL's binary COPY format: header, tuples, trailer. */
    static byte[] copyData(List<Object[]> rows, OffsetDateTime ingestedAt) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(rows.size() * 1200);
        DataOutputStream out = new DataOutputStream(bytes);
        try {
            out.write("PGCOPY\n\377\r\n\0".getBytes(StandardCharsets.ISO_8859_1));
            out.writeInt(0); // flags
            out.writeInt(0); // header extension length
            List<String> columns = IngestEvents.COLUMNS;
            byte[] ingestedBy = INGESTED_BY.getBytes(StandardCharsets.UTF_8);
            for (Object[] row : rows) {
                out.writeShort(columns.size() + 2);
                for (int col = 0; col < row.length; col++) {
                    writeValue(out, sqlType(columns.get(col)), row[col]);
                }
                writeValue(out, "timestamptz", ingestedAt);
                out.writeInt(ingestedBy.length);
                out.write(ingestedBy);
            }
            out.writeShort(-1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static void writeValue(DataOutputStream out, String type, Object value) throws IOException {
        if (value == null) {
            out.writeInt(-1);
            return;
        }
        switch (type) {
            case "date" -> {
                out.writeInt(4);
                out.writeInt((int) (((LocalDate) value).toEpochDay() - PG_EPOCH_DAY));
            }
            case "uuid" -> {
                UUID id = (UUID) value;
                out.writeInt(16);
                out.writeLong(id.getMostSignificantBits());
                out.writeLong(id.getLeastSignificantBits());
            }
            case "timestamptz" -> {
                java.time.Instant t = ((OffsetDateTime) value).toInstant();
                out.writeInt(8);
                out.writeLong(ChronoUnit.MICROS.between(java.time.Instant.EPOCH, t) - PG_EPOCH_MICROS);
            }
            case "bigint" -> {
                out.writeInt(8);
                out.writeLong((Long) value);
            }
            case "jsonb" -> {
                byte[] text = value.toString().getBytes(StandardCharsets.UTF_8);
                out.writeInt(text.length + 1);
                out.writeByte(1); // jsonb binary format version
                out.write(text);
            }
            default -> {
                byte[] text = value.toString().getBytes(StandardCharsets.UTF_8);
                out.writeInt(text.length);
                out.write(text);
            }
        }
    }

    @Override
    public void close() {
        plain.close();
        rewrite.close();
    }
}
