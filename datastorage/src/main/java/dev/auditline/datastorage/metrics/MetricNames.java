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
    /** Counter of ingest requests refused with 429 because every database permit was taken. */
    public static final String INGEST_OVERLOADED = "audit.ingest.overloaded";
    /** Gauge of ingest permits (database connections reserved for writes) in use. */
    public static final String INGEST_PERMITS_IN_USE = "audit.ingest.permits.in.use";
    /** Gauge of ingest permits in total (the configured pool size). */
    public static final String INGEST_PERMITS_MAX = "audit.ingest.permits.max";
    /** Timer of HTTP requests by {@code method}, {@code route} (template) and {@code status}. */
    public static final String HTTP_REQUESTS = "audit.http.requests";
    /** Gauge: 1 when the repository reports ready, 0 otherwise (sampled at scrape). */
    public static final String STORAGE_READY = "audit.storage.ready";

    private MetricNames() {}
}
