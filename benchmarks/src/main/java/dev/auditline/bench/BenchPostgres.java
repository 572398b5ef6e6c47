package dev.auditline.bench;

import dev.auditline.datastorage.config.DataStorageConfig;
import dev.auditline.datastorage.config.ServerConfig;
import dev.auditline.datastorage.config.StorageSettings;
import dev.auditline.datastorage.store.StorageConfig;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/**
 * The PostgreSQL server the DataStorage benchmarks run against, named by the environment:
 * {@value #URL_ENV} (a JDBC URL, credentials in it or in {@value #USER_ENV} / {@value
 * #PASSWORD_ENV}). Each benchmark works in its own schema of that database, so an ingest run never
 * writes into the 10M-row table of the query run and both can be dropped without touching anything
 * else.
 */
record BenchPostgres(String url, String user, String password) {
    static final String URL_ENV = "AUDIT_BENCH_PG_URL";
    static final String USER_ENV = "AUDIT_BENCH_PG_USER";
    static final String PASSWORD_ENV = "AUDIT_BENCH_PG_PASSWORD";

    /** @throws IllegalStateException when {@value #URL_ENV} is not set */
    static BenchPostgres fromEnvironment() {
        String url = System.getenv(URL_ENV);
        if (url == null || url.isBlank()) {
            throw new IllegalStateException(URL_ENV + " is not set: it must name the benchmark PostgreSQL server,"
                    + " e.g. jdbc:postgresql://127.0.0.1:5432/auditbench (see benchmarks/run-datastorage-bench.sh)");
        }
        if (!url.startsWith("jdbc:postgresql:")) {
            throw new IllegalStateException(URL_ENV + " must be a jdbc:postgresql: URL (got \"" + url + "\")");
        }
        return new BenchPostgres(url, blankToNull(System.getenv(USER_ENV)), blankToNull(System.getenv(PASSWORD_ENV)));
    }

    /** The URL whose connections see {@code schema} first on their search_path. */
    String urlFor(String schema) {
        return url + (url.contains("?") ? "&" : "?") + "currentSchema=" + schema;
    }

    Connection connect(String schema) throws SQLException {
        Properties props = new Properties();
        if (user != null) {
            props.setProperty("user", user);
        }
        if (password != null) {
            props.setProperty("password", password);
        }
        return DriverManager.getConnection(urlFor(schema), props);
    }

    /** Drops {@code schema} with everything in it, then creates it empty. */
    void recreateSchema(String schema) throws SQLException {
        try (Connection c = connect("public");
                Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            s.execute("CREATE SCHEMA " + schema);
        }
    }

    void createSchemaIfMissing(String schema) throws SQLException {
        try (Connection c = connect("public");
                Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA IF NOT EXISTS " + schema);
        }
    }

    StorageConfig storage(String schema, int poolSize) {
        return StorageConfig.of(urlFor(schema)).withCredentials(user, password).withPoolSize(poolSize);
    }

    /** DataStorage over {@code schema} on a free loopback port, otherwise at its defaults. */
    DataStorageConfig dataStorage(String schema, int poolSize) {
        return DataStorageConfig.defaults()
                .withServer(ServerConfig.DEFAULT.withPort(0))
                .withStorage(StorageSettings.DEFAULT
                        .withUrl(urlFor(schema))
                        .withCredentials(user, password)
                        .withPoolSize(poolSize));
    }

    /**
     * The postmaster of the server, found as the parent of this connection's backend; -1 when the
     * server runs on another host (or its processes are not visible here).
     */
    long postmasterPid() {
        try (Connection c = connect("public");
                Statement s = c.createStatement();
                var rs = s.executeQuery("SELECT pg_backend_pid()")) {
            return rs.next() ? CpuMeter.parentPid(rs.getLong(1)) : -1;
        } catch (SQLException e) {
            return -1;
        }
    }

    String serverVersion() {
        try (Connection c = connect("public");
                Statement s = c.createStatement();
                var rs = s.executeQuery("SHOW server_version")) {
            return rs.next() ? rs.getString(1) : "?";
        } catch (SQLException e) {
            return "? (" + e.getMessage() + ")";
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
