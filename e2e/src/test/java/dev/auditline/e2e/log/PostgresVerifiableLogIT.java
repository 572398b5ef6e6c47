package dev.auditline.e2e.log;

import static org.assertj.core.api.Assertions.assertThat;

import dev.auditline.api.AuditEvent;
import dev.auditline.datastorage.DataStorage;
import dev.auditline.datastorage.config.StorageSettings;
import dev.auditline.datastorage.store.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The verifiable-log scenarios on PostgreSQL, tampering as the database owner (who can disable
 * triggers, truncate and detach partitions), plus the partition cases SQLite does not have.
 */
class PostgresVerifiableLogIT extends VerifiableLogContract {
    private TestPostgres.Database database;

    @Override
    StorageSettings newStore() {
        database = TestPostgres.shared().createDatabase();
        return StorageSettings.DEFAULT
                .withUrl(database.jdbcUrl())
                .withCredentials(database.user(), database.password());
    }

    @Override
    Connection owner() throws SQLException {
        return database.connect();
    }

    @Override
    List<String> unguard(String table) {
        return List.of("ALTER TABLE " + table + " DISABLE TRIGGER USER");
    }

    @Override
    void setId(PreparedStatement ps, int index, UUID id) throws SQLException {
        ps.setObject(index, id);
    }

    @Override
    void insertCopy(Connection c, UUID of, UUID as) throws SQLException {
        exec(
                c,
                List.of(
                        "CREATE TEMP TABLE copied AS SELECT * FROM audit_events WHERE event_id = '" + of + "'",
                        "UPDATE copied SET event_id = '" + as + "', ingest_seq = nextval('audit_events_ingest_seq')",
                        "INSERT INTO audit_events SELECT * FROM copied",
                        "DROP TABLE copied"));
    }

    @Test
    @Timeout(120)
    void aTruncatedPartitionIsReportedEventByEvent() throws Exception {
        partitionRemoved(p -> List.of("ALTER TABLE " + p + " DISABLE TRIGGER USER", "TRUNCATE " + p));
    }

    @Test
    @Timeout(120)
    void aDetachedPartitionIsReportedEventByEvent() throws Exception {
        partitionRemoved(p -> List.of("ALTER TABLE audit_events DETACH PARTITION " + p));
    }

    private void partitionRemoved(java.util.function.Function<String, List<String>> attack) throws Exception {
        StorageSettings store = newStore();
        try (DataStorage server = start(store, 0, Clock.systemUTC())) {
            Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
            List<AuditEvent> sent = LogHarness.events(now, "rr-partition", 60);
            assertThat(LogHarness.post(server, sent)).isEqualTo(60);
            LogHarness.awaitCheckpoint(server, 60);
            var key = LogHarness.pinKey(server, dir);
            String partition;
            try (Connection c = owner();
                    PreparedStatement ps = c.prepareStatement(
                            "SELECT tableoid::regclass::text FROM audit_events WHERE event_id = ?")) {
                ps.setObject(1, sent.get(0).eventId());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    partition = rs.getString(1);
                }
                exec(c, attack.apply(partition));
            }

            LogHarness.Verify v = LogHarness.verify(server, dir.resolve("state.json"), key);

            assertThat(v.exitCode()).as(v.out()).isEqualTo(1);
            assertThat(v.count("missing")).as(v.out()).isEqualTo(60);
            assertThat(v.count("verified")).isZero();
            Set<String> named = v.findings().stream()
                    .map(line -> line.replaceAll(".* event_id=([0-9a-f-]{36}).*", "$1"))
                    .collect(Collectors.toSet());
            assertThat(named)
                    .as(partition)
                    .isEqualTo(sent.stream().map(e -> e.eventId().toString()).collect(Collectors.toSet()));
        }
    }
}
