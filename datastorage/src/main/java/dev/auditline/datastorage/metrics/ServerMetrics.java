package dev.auditline.datastorage.metrics;

import dev.auditline.spool.SpoolStats;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Locale;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * DataStorage's meters. The application owns the registry ({@code Main} creates a Prometheus one);
 * this class only registers and updates meters on it. Tag values are bounded: outcomes, results,
 * route templates (never a concrete path or an event id) and status codes.
 */
public final class ServerMetrics {
    private final MeterRegistry registry;
    private final Counter created;
    private final Counter duplicates;
    private final Counter rejected;
    private final Counter conflicts;
    private final Counter spooled;
    private final Counter overloaded;
    private final DistributionSummary batchSize;
    private final Timer lag;
    // strong references: a gauge only holds its source weakly
    private IntSupplier permitsInUse;
    private BooleanSupplier ready;
    private Supplier<SpoolStats> fallbackStats;
    private LongSupplier bodyBytesInFlight;
    private BooleanSupplier fallbackActive;

    public ServerMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.created = eventsCounter("created");
        this.duplicates = eventsCounter("duplicate");
        this.rejected = eventsCounter("rejected");
        this.conflicts = eventsCounter("conflict");
        this.spooled = eventsCounter("spooled");
        this.overloaded = Counter.builder(MetricNames.STORAGE_OVERLOADED)
                .baseUnit("requests")
                .description("Requests answered 429 because no database permit became free in time")
                .register(registry);
        this.batchSize = DistributionSummary.builder(MetricNames.INGEST_BATCH_SIZE)
                .baseUnit("events")
                .description("Events per ingest request")
                .serviceLevelObjectives(1, 10, 100, 500, 1000, 2000, 5000)
                .register(registry);
        this.lag = Timer.builder(MetricNames.INGEST_LAG)
                .description("ingested_at - event_timestamp of created events: how late events reach storage")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofHours(1))
                .register(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /**
     * Registers the gauges of the database permits (the pool usage the HTTP layer controls); called
     * once by the component that owns them.
     */
    public void bindStoragePermits(int max, IntSupplier inUse) {
        this.permitsInUse = inUse;
        Gauge.builder(MetricNames.STORAGE_PERMITS_MAX, () -> max)
                .baseUnit("permits")
                .description("Concurrent repository calls allowed (storage.pool_size)")
                .register(registry);
        Gauge.builder(MetricNames.STORAGE_PERMITS_IN_USE, this, m -> m.permitsInUse.getAsInt())
                .baseUnit("permits")
                .description("Database permits held by requests right now")
                .register(registry);
    }

    /** Registers the gauges of the request-body byte budget; called once by its owner. */
    public void bindBodyBudget(long max, LongSupplier inFlight) {
        this.bodyBytesInFlight = inFlight;
        Gauge.builder(MetricNames.HTTP_BODY_BYTES_MAX, () -> max)
                .baseUnit("bytes")
                .description("Request-body bytes admitted at once (server.max_body_bytes_in_flight)")
                .register(registry);
        Gauge.builder(MetricNames.HTTP_BODY_BYTES_IN_FLIGHT, this, m -> m.bodyBytesInFlight.getAsLong())
                .baseUnit("bytes")
                .description("Request-body bytes admitted right now")
                .register(registry);
    }

    /** A body answered 408: {@code reason} is data_rate or body_timeout. */
    public void slowBody(String reason) {
        Counter.builder(MetricNames.HTTP_SLOW_BODIES)
                .baseUnit("requests")
                .description("Requests whose body came too slowly, answered 408 and closed")
                .tag("reason", reason)
                .register(registry)
                .increment();
    }

    /** A body refused with 429 because it did not fit the byte budget. */
    public void bodyBudgetRefused() {
        Counter.builder(MetricNames.HTTP_BODY_BUDGET_REFUSED)
                .baseUnit("requests")
                .description("Requests refused with 429: their body did not fit server.max_body_bytes_in_flight")
                .register(registry)
                .increment();
    }

    public void bindStorageReady(BooleanSupplier isReady) {
        this.ready = isReady;
        Gauge.builder(MetricNames.STORAGE_READY, this, m -> m.ready.getAsBoolean() ? 1 : 0)
                .description("1 when the database answers and is migrated, else 0")
                .register(registry);
    }

    /**
     * Registers the fallback spool's gauges; called once by the component that owns the spool.
     *
     * @param stats read at each scrape (a snapshot taken under the spool's lock)
     * @param active whether ingest currently goes to the spool
     */
    public void bindFallbackSpool(long maxBytes, Supplier<SpoolStats> stats, BooleanSupplier active) {
        this.fallbackStats = stats;
        this.fallbackActive = active;
        Gauge.builder(MetricNames.FALLBACK_SPOOL_PENDING_BYTES, this, m -> m.fallbackStats
                        .get()
                        .pendingBytes())
                .baseUnit("bytes")
                .description("Bytes of the fallback spool's segment files, bounded by storage.fallback_spool.max_bytes")
                .register(registry);
        Gauge.builder(MetricNames.FALLBACK_SPOOL_MAX_BYTES, () -> maxBytes)
                .baseUnit("bytes")
                .description("storage.fallback_spool.max_bytes")
                .register(registry);
        Gauge.builder(MetricNames.FALLBACK_SPOOL_PENDING_RECORDS, this, m -> m.fallbackStats
                        .get()
                        .pendingRecords())
                .baseUnit("records")
                .description("Spooled batches not yet replayed into the database")
                .register(registry);
        Gauge.builder(MetricNames.FALLBACK_SPOOL_ACTIVE, this, m -> m.fallbackActive.getAsBoolean() ? 1 : 0)
                .description("1 while ingest goes to the fallback spool because the database is down, else 0")
                .register(registry);
        // registered at 0, so that an alert on any increase sees the series before the first one
        fallbackSetAsideCounter("refused");
        fallbackSetAsideCounter("unreadable");
    }

    public void itemsSpooled(int n) {
        spooled.increment(n);
    }

    public void fallbackReplayed(int createdCount, int duplicateCount) {
        fallbackReplayed(createdCount, duplicateCount, 0);
    }

    /**
     * @param conflictCount spooled events (answered 202) whose id the database already held with
     *     other content: refused at replay
     */
    public void fallbackReplayed(int createdCount, int duplicateCount, int conflictCount) {
        fallbackReplayedCounter("created").increment(createdCount);
        fallbackReplayedCounter("duplicate").increment(duplicateCount);
        fallbackReplayedCounter("conflict").increment(conflictCount);
    }

    /**
     * A spooled batch the database refused at replay (a value refused: a constraint or trigger); its
     * record was set aside whole, as the batch is one transaction.
     */
    public void fallbackReplayRefused(int events) {
        fallbackReplayedCounter("refused").increment(events);
    }

    /** @param reason refused or unreadable */
    public void fallbackSetAside(String reason) {
        fallbackSetAsideCounter(reason).increment();
    }

    /** @param reason spool_full or spool_error */
    public void fallbackRefused(String reason, int events) {
        Counter.builder(MetricNames.FALLBACK_SPOOL_REFUSED)
                .baseUnit("events")
                .description("Valid events answered 503 because the fallback spool was full or failed")
                .tag("reason", reason)
                .register(registry)
                .increment(events);
    }

    /** Kubernetes audit webhook items; see {@link MetricNames#K8S_ITEMS} for the outcomes. */
    public void k8sItems(String outcome, int n) {
        Counter.builder(MetricNames.K8S_ITEMS)
                .baseUnit("events")
                .description("Items of Kubernetes audit webhook requests by outcome")
                .tag("outcome", outcome)
                .register(registry)
                .increment(n);
    }

    public void itemsRejected(int n) {
        rejected.increment(n);
    }

    /** Items refused because their event_id is already stored with other content. */
    public void itemsConflicted(int n) {
        conflicts.increment(n);
    }

    public void itemsStored(int createdCount, int duplicateCount) {
        created.increment(createdCount);
        duplicates.increment(duplicateCount);
    }

    public void batchReceived(int events) {
        batchSize.record(events);
    }

    public void overloaded() {
        overloaded.increment();
    }

    public void writeDuration(String result, long nanos) {
        Timer.builder(MetricNames.INGEST_WRITE_DURATION)
                .description("Time of one repository insertBatch (one transaction)")
                .tag("result", result)
                .publishPercentileHistogram()
                .register(registry)
                .record(Duration.ofNanos(nanos));
    }

    public void lag(Duration ingestedMinusEvent) {
        // events from the near future (clock skew up to max_future) count as no lag
        lag.record(ingestedMinusEvent.isNegative() ? Duration.ZERO : ingestedMinusEvent);
    }

    public void httpRequest(String method, String route, int status, long nanos) {
        Timer.builder(MetricNames.HTTP_REQUESTS)
                .description("HTTP requests by route template and status")
                .tag("method", method.toUpperCase(Locale.ROOT))
                .tag("route", route)
                .tag("status", Integer.toString(status))
                .register(registry)
                .record(Duration.ofNanos(nanos));
    }

    private Counter fallbackReplayedCounter(String outcome) {
        return Counter.builder(MetricNames.FALLBACK_SPOOL_REPLAYED)
                .baseUnit("events")
                .description("Events replayed from the fallback spool into the database, by outcome")
                .tag("outcome", outcome)
                .register(registry);
    }

    private Counter fallbackSetAsideCounter(String reason) {
        return Counter.builder(MetricNames.FALLBACK_SPOOL_SET_ASIDE)
                .baseUnit("records")
                .description(
                        "Fallback spool records set aside instead of replayed (kept on disk for an operator), by reason")
                .tag("reason", reason)
                .register(registry);
    }

    private Counter eventsCounter(String outcome) {
        return Counter.builder(MetricNames.INGEST_EVENTS)
                .baseUnit("events")
                .description("Ingested events by outcome")
                .tag("outcome", outcome)
                .register(registry);
    }
}
