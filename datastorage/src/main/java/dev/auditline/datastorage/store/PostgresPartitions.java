package dev.auditline.datastorage.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The monthly partitions of {@code audit_events}: which exist (table {@code audit_partitions},
 * months as values), creating the ones due (at start-up and daily) and dropping expired ones
 * (retention). Both changes go through the owner's {@code SECURITY DEFINER} functions of
 * {@code db/postgresql/V3__least_privilege.sql}, so the runtime role needs no DDL right; the
 * functions serialize DDL of several DataStorage instances with one advisory lock and give up
 * after a 5 s lock wait rather than queue an ACCESS EXCLUSIVE lock in front of every insert.
 */
final class PostgresPartitions implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PostgresPartitions.class);

    static final Duration TASK_PERIOD = Duration.ofDays(1);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    private final DataSource pool;
    private final Clock clock;
    private final int monthsAhead;
    private final String location;
    private final ScheduledExecutorService task;

    PostgresPartitions(DataSource pool, Clock clock, int monthsAhead, String location) {
        this.pool = pool;
        this.clock = clock;
        this.monthsAhead = monthsAhead;
        this.location = location;
        this.task = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "auditline-partitions");
            t.setDaemon(true);
            return t;
        });
    }

    /** The partition table of a month: {@code audit_events_2026_03}. */
    static String tableName(YearMonth month) {
        return String.format("audit_events_%04d_%02d", month.getYear(), month.getMonthValue());
    }

    /** The months that have a partition of their own, oldest first. */
    Set<YearMonth> existing() throws SQLException {
        Set<YearMonth> months = new TreeSet<>();
        try (Connection c = pool.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT month FROM audit_partitions");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                months.add(YearMonth.from(rs.getObject(1, LocalDate.class)));
            }
        }
        return months;
    }

    /**
     * Creates the partitions of the current month (by the server clock, UTC) and the
     * {@code partitions_ahead} months after it, where missing.
     *
     * @return the months created now
     */
    List<YearMonth> createAhead() {
        YearMonth current = YearMonth.now(clock.withZone(ZoneOffset.UTC));
        List<YearMonth> created = new ArrayList<>();
        try {
            Set<YearMonth> existing = existing();
            try (Connection c = pool.getConnection();
                    PreparedStatement ps = c.prepareStatement("SELECT audit_create_month_partition(?)")) {
                for (int i = 0; i <= monthsAhead; i++) {
                    YearMonth month = current.plusMonths(i);
                    if (existing.contains(month)) {
                        continue;
                    }
                    ps.setObject(1, month.atDay(1));
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next() && rs.getBoolean(1)) {
                            created.add(month);
                        }
                    }
                }
            }
        } catch (SQLException e) {
            throw new StorageUnavailableException(
                    "PostgreSQL store " + location + ": cannot create the monthly partitions from " + current + ": "
                            + e.getMessage(),
                    e);
        }
        if (!created.isEmpty()) {
            log.info("PostgreSQL store {}: created the partitions of {}", location, created);
        }
        return created;
    }

    /**
     * Retention: drops the partition of every month that ended on or before {@code cutoff}. The
     * default partition is never dropped, and the log keeps the leaves.
     *
     * @return the months dropped, oldest first
     */
    List<YearMonth> dropMonthsBefore(LocalDate cutoff) {
        List<YearMonth> dropped = new ArrayList<>();
        try (Connection c = pool.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT m FROM audit_drop_months_before(?) AS m")) {
            ps.setObject(1, cutoff);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    dropped.add(YearMonth.from(rs.getObject(1, LocalDate.class)));
                }
            }
        } catch (SQLException e) {
            throw new StorageUnavailableException(
                    "PostgreSQL store " + location + ": cannot drop the partitions before " + cutoff + ": "
                            + e.getMessage(),
                    e);
        }
        if (!dropped.isEmpty()) {
            log.info("PostgreSQL store {}: retention dropped the partitions of {}", location, dropped);
        }
        return dropped;
    }

    /** Creates the partitions due now (a failure is logged: the default partition takes the events) and daily after. */
    void start() {
        try {
            createAhead();
        } catch (StorageUnavailableException e) {
            log.warn("PostgreSQL store {}: {}; the daily task will retry", location, e.getMessage());
        }
        long periodMillis = TASK_PERIOD.toMillis();
        task.scheduleAtFixedRate(
                () -> {
                    try {
                        createAhead();
                    } catch (RuntimeException e) {
                        log.warn(
                                "PostgreSQL store {}: creating partitions failed; retrying in {}",
                                location,
                                TASK_PERIOD,
                                e);
                    }
                },
                periodMillis,
                periodMillis,
                TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        task.shutdownNow();
        try {
            if (!task.awaitTermination(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn(
                        "PostgreSQL store {}: timed out waiting for the partition task after {}s",
                        location,
                        CLOSE_TIMEOUT.toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
