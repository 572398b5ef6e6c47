package dev.auditline.datastorage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.auditline.datastorage.config.DataStorageConfig;
import dev.auditline.datastorage.config.ServerConfig;
import dev.auditline.datastorage.config.StorageSettings;
import dev.auditline.datastorage.store.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The PostgreSQL role recipe of docs/storage.md, run exactly as shipped ({@code
 * docs/postgresql-roles.sql}) on a fresh database: DataStorage then migrates as the owner, serves
 * as the runtime role, ingests and queries, and the runtime role cannot change the trail in any
 * way an owner could.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class PostgresRolesIT {
    static final Path RECIPE = Path.of("..", "docs", "postgresql-roles.sql");
    static final String OWNER = "auditline_owner";
    static final String OWNER_PASSWORD = "change-me-owner";
    static final String APP = "auditline_app";
    static final String APP_PASSWORD = "change-me-app";

    private TestPostgres.Database database;
    private DataStorage server;
    private ApiClient api;
    private final String partition =
            "audit_events_" + YearMonth.now(ZoneOffset.UTC).toString().replace('-', '_');

    @BeforeAll
    void runTheRecipeAndStartDataStorage() throws Exception {
        database = TestPostgres.shared().createDatabase();
        try (Connection admin = database.connect();
                Statement s = admin.createStatement()) {
            for (String statement : statements(Files.readString(RECIPE))) {
                s.execute(statement);
            }
        }
        DataStorageConfig config = DataStorageConfig.defaults()
                .withServer(new ServerConfig(
                        "127.0.0.1", 0, 100, 2L * 1024 * 1024, null, Duration.ofSeconds(5), Duration.ofMillis(100)))
                .withStorage(StorageSettings.DEFAULT
                        .withUrl(database.jdbcUrl())
                        .withCredentials(APP, APP_PASSWORD)
                        .withOwner(new StorageSettings.Owner(null, OWNER, OWNER_PASSWORD))
                        .withPoolSize(3));
        server = DataStorage.start(config, Clock.systemUTC());
        api = new ApiClient(server.baseUrl());
    }

    @AfterAll
    void stopAndRemoveTheRoles() throws SQLException {
        if (server != null) {
            server.close();
        }
        // roles belong to the cluster: drop the database that holds their objects, then them
        TestPostgres.Database other = TestPostgres.shared().createDatabase();
        try (Connection admin = other.connect();
                Statement s = admin.createStatement()) {
            s.execute("DROP DATABASE "
                    + database.jdbcUrl().substring(database.jdbcUrl().lastIndexOf('/') + 1) + " WITH (FORCE)");
            s.execute("DROP ROLE " + APP);
            s.execute("DROP ROLE " + OWNER);
        }
    }

    /** The recipe's statements: its comments removed, split at each {@code ;} that ends a line. */
    static List<String> statements(String sql) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : sql.split("\n")) {
            String code = line.strip();
            if (code.isEmpty() || code.startsWith("--")) {
                continue;
            }
            current.append(line).append('\n');
            if (code.endsWith(";")) {
                out.add(current.toString().strip().replaceAll(";$", ""));
                current.setLength(0);
            }
        }
        assertThat(current.toString()).as("text after the last statement").isBlank();
        return out;
    }

    @Test
    void theServerMigratesAsTheOwnerAndIngestsAndQueriesAsTheRuntimeRole() throws SQLException {
        String trail = WireEvents.uniqueCorrelationId("roles");
        ObjectNode event = WireEvents.valid(trail, Instant.now().truncatedTo(ChronoUnit.MICROS));

        ApiClient.Reply stored = api.post("/api/v1/audit/events/batch", WireEvents.batch(event));

        assertThat(stored.status()).isEqualTo(200);
        assertThat(stored.json().get("created").intValue()).isEqualTo(1);
        JsonNode byId = api.get("/api/v1/audit/events/" + WireEvents.id(event)).json();
        assertThat(byId.get("event_id").textValue())
                .isEqualTo(WireEvents.id(event).toString());
        assertThat(api.get("/api/v1/audit/events?correlation_id=" + trail)
                        .json()
                        .get("events"))
                .hasSize(1);
        assertThat(api.get("/api/v1/audit/log/entries").json().get("log_size").longValue())
                .isPositive();
        try (Connection owner = connect(OWNER, OWNER_PASSWORD);
                Statement s = owner.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT tableowner, schemaname FROM pg_tables"
                                + " WHERE tablename IN ('audit_events', 'audit_log', 'log_tree_strip', 'flyway_schema_history')")) {
            int tables = 0;
            while (rs.next()) {
                tables++;
                assertThat(rs.getString(1)).isEqualTo(OWNER);
                assertThat(rs.getString(2)).isEqualTo("audit");
            }
            assertThat(tables).isEqualTo(4);
        }
    }

    @Test
    void theRuntimeRoleManagesPartitionsOnlyThroughTheOwnersFunctions() throws SQLException {
        try (Connection app = connect(APP, APP_PASSWORD);
                Statement s = app.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM audit_partitions WHERE month = date_trunc('month',"
                    + " current_date)::date")) {
                rs.next();
                assertThat(rs.getInt(1))
                        .as("the current month's partition, created at start")
                        .isEqualTo(1);
            }
            assertThat(s.executeQuery("SELECT audit_create_month_partition(date_trunc('month', current_date)::date)")
                            .next())
                    .isTrue();
            assertThatThrownBy(() -> s.executeQuery("SELECT * FROM audit_drop_months_before(current_date + 40)"))
                    .hasMessageContaining("p_cutoff must not lie in the future");
            assertThatThrownBy(() -> s.executeQuery("SELECT audit_create_month_partition('2026-01-15')"))
                    .hasMessageContaining("p_month must be the first day of a month (got 2026-01-15)");
        }
    }

    @Test
    void theRuntimeRoleCannotChangeOrRemoveTheTrail() throws SQLException {
        UUID id = UUID.fromString(storeOne());
        List<String> forbidden = List.of(
                "UPDATE audit_events SET actor_id = 'mallory' WHERE event_id = '" + id + "'",
                "DELETE FROM audit_events WHERE event_id = '" + id + "'",
                "TRUNCATE audit_events",
                "TRUNCATE " + partition,
                "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only",
                "ALTER TABLE audit_events DISABLE TRIGGER ALL",
                "ALTER TABLE " + partition + " DISABLE TRIGGER ALL",
                "ALTER TABLE audit_events ADD COLUMN note text",
                "DROP TRIGGER audit_events_append_only ON audit_events",
                "DROP TABLE " + partition,
                "ALTER TABLE audit_events DETACH PARTITION " + partition,
                "UPDATE audit_log SET event_date = event_date + 1",
                "DELETE FROM audit_log",
                "TRUNCATE audit_log",
                "ALTER TABLE audit_log DISABLE TRIGGER ALL",
                "DROP TABLE audit_log",
                "DELETE FROM log_tree_strip",
                "INSERT INTO audit_partitions VALUES ('2020-01-01')",
                "DELETE FROM flyway_schema_history",
                "INSERT INTO flyway_schema_history (installed_rank, description, type, script, installed_by,"
                        + " execution_time, success) VALUES (99, 'x', 'SQL', 'x', 'x', 0, true)",
                "SET session_replication_role = replica",
                "CREATE TABLE audit.shadow (id int)",
                "CREATE TABLE public.shadow (id int)",
                "CREATE OR REPLACE FUNCTION audit_events_reject_change() RETURNS trigger LANGUAGE plpgsql AS"
                        + " $$ BEGIN RETURN NEW; END $$");
        try (Connection app = connect(APP, APP_PASSWORD)) {
            for (String sql : forbidden) {
                try (Statement s = app.createStatement()) {
                    assertThatThrownBy(() -> s.execute(sql))
                            .as(sql)
                            .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState())
                                    .as("%s: %s", sql, e.getMessage())
                                    .isEqualTo("42501"));
                }
            }
        }
        JsonNode stored = api.get("/api/v1/audit/events/" + id).json();
        assertThat(stored.get("actor_id").textValue()).isEqualTo("remediation-orchestrator");
    }

    private String storeOne() {
        ObjectNode event = WireEvents.valid(
                WireEvents.uniqueCorrelationId("roles"), Instant.now().truncatedTo(ChronoUnit.MICROS));
        assertThat(api.post("/api/v1/audit/events/batch", WireEvents.batch(event))
                        .status())
                .isEqualTo(200);
        return WireEvents.id(event).toString();
    }

    private Connection connect(String user, String password) throws SQLException {
        return DriverManager.getConnection(database.jdbcUrl(), user, password);
    }
}
