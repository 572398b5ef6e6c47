package dev.auditline.datastorage.retention;

import dev.auditline.datastorage.store.EventRepository;
import dev.auditline.datastorage.store.StorageUnavailableException;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies {@code retention.default_days}: at start-up and then daily, asks the repository to drop
 * the whole months that ended more than {@code default_days} ago. The store decides what it can
 * remove (append-only: whole partitions only); a store without retention is reported once and the
 * task stops. A database outage only skips one run.
 */
public final class RetentionTask implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RetentionTask.class);
    /** How often retention runs: {@value} hours. */
    static final long PERIOD_HOURS = 24;

    private final EventRepository repository;
    private final int defaultDays;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    private final AtomicBoolean unsupported = new AtomicBoolean();
    private final Consumer<List<YearMonth>> afterDrop;

    RetentionTask(EventRepository repository, int defaultDays, Clock clock, ScheduledExecutorService scheduler) {
        this(repository, defaultDays, clock, scheduler, months -> {});
    }

    /** @param afterDrop told the months each run removed (the verifiable log signs a record of them) */
    RetentionTask(
            EventRepository repository,
            int defaultDays,
            Clock clock,
            ScheduledExecutorService scheduler,
            Consumer<List<YearMonth>> afterDrop) {
        if (defaultDays < 1) {
            throw new IllegalArgumentException("retention.default_days must be ≥ 1 to run (got " + defaultDays + ")");
        }
        this.repository = repository;
        this.defaultDays = defaultDays;
        this.clock = clock;
        this.scheduler = scheduler;
        this.afterDrop = afterDrop;
    }

    /** Starts the daily runs on a daemon thread; the first run is immediate. */
    public static RetentionTask start(EventRepository repository, int defaultDays, Clock clock) {
        return start(repository, defaultDays, clock, months -> {});
    }

    /** As {@link #start(EventRepository, int, Clock)}, telling {@code afterDrop} what each run removed. */
    public static RetentionTask start(
            EventRepository repository, int defaultDays, Clock clock, Consumer<List<YearMonth>> afterDrop) {
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "datastorage-retention");
            t.setDaemon(true);
            return t;
        });
        RetentionTask task = new RetentionTask(repository, defaultDays, clock, scheduler, afterDrop);
        scheduler.scheduleAtFixedRate(task::runOnce, 0, PERIOD_HOURS, TimeUnit.HOURS);
        return task;
    }

    /** One run; never throws, so the schedule survives a failed run. @return the months removed */
    List<YearMonth> runOnce() {
        if (unsupported.get()) {
            return List.of();
        }
        LocalDate cutoff = LocalDate.now(clock.withZone(ZoneOffset.UTC)).minusDays(defaultDays);
        try {
            List<YearMonth> dropped = repository.dropMonthsBefore(cutoff);
            if (dropped.isEmpty()) {
                LOG.debug("Retention: no month ended before {}", cutoff);
            } else {
                LOG.info("Retention: removed the events of {} (months ended before {})", dropped, cutoff);
                afterDrop.accept(dropped);
            }
            return dropped;
        } catch (UnsupportedOperationException e) {
            unsupported.set(true);
            LOG.warn(
                    "retention.default_days is {} but this store cannot remove events: {}",
                    defaultDays,
                    e.getMessage());
        } catch (StorageUnavailableException e) {
            LOG.warn(
                    "Retention skipped, the database is unavailable; next try in {}h: {}",
                    PERIOD_HOURS,
                    e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("Retention run failed; next try in {}h", PERIOD_HOURS, e);
        }
        return List.of();
    }

    /** Stops the schedule, waiting briefly for a running pass. Idempotent. */
    @Override
    public void close() {
        scheduler.shutdownNow();
        try {
            if (!scheduler.awaitTermination(Duration.ofSeconds(5).toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("Timed out waiting for the retention run to stop after 5s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
