package dev.auditline.datastorage.metrics;

/**
 * Every meter name DataStorage publishes (DESIGN §7), in one place so dashboards and alerts have
 * one list to read. Prometheus renders dots as underscores and appends the unit, e.g.
 * {@code audit.ingest.lag} becomes {@code audit_ingest_lag_seconds_bucket}.
 */
public final class MetricNames {
    /** Counter of batch items by {@code outcome}: created, duplicate, rejected. */
    public static final String INGEST_EVENTS = "audit.ingest.events";
    /** Distribution of events per ingest request (single ingests count as 1). */
    public static final String INGEST_BATCH_SIZE = "audit.ingest.batch.size";
    /** Timer of {@code insertBatch}, by {@code result}: ok, unavailable, error. */
    public static final String INGEST_WRITE_DURATION = "audit.ingest.write.duration";
    /** Histogram of {@code ingested_at - event_timestamp} of created events. */
    public static final String INGEST_LAG = "audit.ingest.lag";
    /** Counter of requests refused with 429 because every database permit stayed taken. */
    public static final String STORAGE_OVERLOADED = "audit.storage.overloaded";
    /** Gauge of database permits (one per pool connection) held by requests right now. */
    public static final String STORAGE_PERMITS_IN_USE = "audit.storage.permits.in.use";
    /** Gauge of database permits in total (the configured pool size). */
    public static final String STORAGE_PERMITS_MAX = "audit.storage.permits.max";
    /** Timer of HTTP requests by {@code method}, {@code route} (template) and {@code status}. */
    public static final String HTTP_REQUESTS = "audit.http.requests";
    /** Gauge: 1 when the repository reports ready, 0 otherwise (sampled at scrape). */
    public static final String STORAGE_READY = "audit.storage.ready";

    private MetricNames() {}
}
