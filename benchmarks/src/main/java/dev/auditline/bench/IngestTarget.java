package dev.auditline.bench;

import dev.auditline.api.AuditEvent;
import dev.auditline.bench.IngestLoadRun.Side;
import dev.auditline.datastorage.DataStorage;
import dev.auditline.datastorage.store.EventRepository;
import java.sql.SQLException;
import java.util.List;
import java.util.function.Function;

/**
 * What one store needs for an {@link IngestLoadRun}: the DataStorage under test, a second
 * repository on the same database, the raw baseline writer and how a baseline row looks. {@link
 * PostgresIngestTarget} and {@link SqliteIngestTarget} are the two.
 */
interface IngestTarget extends AutoCloseable {
    String name();

    DataStorage server();

    /** A second repository on the same database, for the {@link Side#REPOSITORY} phases. */
    EventRepository repository();

    Function<AuditEvent, Object[]> rowOf();

    /** The sides measured each round; each round starts one further down, so no side always runs first. */
    List<Side> sides();

    /** Stores {@code rows} in one transaction, the raw way {@code side} names. */
    void insertBaseline(Side side, List<Object[]> rows) throws SQLException;

    /** {@link Side#UNLOGGED}: stores {@code events} with the repository's insert, no claim, no log. */
    int insertUnlogged(List<AuditEvent> events) throws SQLException;

    long countRows() throws SQLException;

    /** The PostgreSQL postmaster whose CPU a phase counts; -1 for none. */
    long postmasterPid();

    @Override
    void close() throws Exception;
}
