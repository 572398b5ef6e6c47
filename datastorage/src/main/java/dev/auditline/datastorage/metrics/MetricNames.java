package dev.auditline.datastorage.metrics;

/**
 * Every meter name DataStorage publishes (DESIGN §7), in one place so dashboards and alerts have
 * one list to read. Prometheus renders dots as underscores and appends the unit, e.g.
 * {@code audit.ingest.lag} becomes {@code audit_ingest_lag_seconds_bucket}.
 */
public final class MetricNames {
    /**
     * Counter of batch items by {@code outcome}: created, duplicate, rejected, conflict (the
     * event_id is already stored with other content), and spooled (fsynced to the fallback spool
     * while the database was down, answered {@code 202}).
     */
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
    /** Gauge: 1 while the tokens file is valid and in force, 0 while it is invalid or missing (every token refused). */
    public static final String AUTH_TOKENS_FILE_VALID = "audit.auth.tokens.file.valid";
    /** Gauge: Unix time in seconds of the last successful load of the tokens file. */
    public static final String AUTH_TOKENS_FILE_LAST_RELOAD = "audit.auth.tokens.file.last.reload";
    /** Gauge: 1 when the repository reports ready, 0 otherwise (sampled at scrape). */
    public static final String STORAGE_READY = "audit.storage.ready";

    /** Gauge of bytes in the fallback spool's files (bounded by {@code storage.fallback_spool.max_bytes}). */
    public static final String FALLBACK_SPOOL_PENDING_BYTES = "audit.fallback.spool.pending.bytes";
    /** Gauge of the fallback spool's bound, {@code storage.fallback_spool.max_bytes}. */
    public static final String FALLBACK_SPOOL_MAX_BYTES = "audit.fallback.spool.max.bytes";
    /** Gauge of records (one per spooled batch) in the fallback spool not yet replayed into the database. */
    public static final String FALLBACK_SPOOL_PENDING_RECORDS = "audit.fallback.spool.pending.records";
    /** Gauge: 1 while ingest goes to the fallback spool because the database is down, else 0. */
    public static final String FALLBACK_SPOOL_ACTIVE = "audit.fallback.spool.active";
    /**
     * Counter of spooled events replayed into the database, by {@code outcome}: created, duplicate,
     * conflict (refused: the id was already stored with other content), refused (the database
     * refused a value of the event's batch: the whole record was set aside in {@code refused/}).
     */
    public static final String FALLBACK_SPOOL_REPLAYED = "audit.fallback.spool.replayed";
    /**
     * Counter of fallback spool records (one per spooled batch) the replayer set aside instead of
     * retrying, by {@code reason}: refused (the database refused a value; kept in {@code refused/}),
     * unreadable (cannot be decoded; kept in {@code unreadable/}). Any increase needs an operator.
     */
    public static final String FALLBACK_SPOOL_SET_ASIDE = "audit.fallback.spool.set.aside";
    /**
     * Counter of valid events answered {@code 503} although the fallback spool is on, by {@code
     * reason}: spool_full, spool_error. Nothing of those requests was stored.
     */
    public static final String FALLBACK_SPOOL_REFUSED = "audit.fallback.spool.refused";

    /**
     * Counter of items of Kubernetes audit webhook requests by {@code outcome}: created, duplicate,
     * skipped (a stage not in {@code kubernetes.stored_stages}), quarantined (malformed, kept in the
     * quarantine file), quarantine_full (malformed, the quarantine file was full: only counted and logged).
     */
    public static final String K8S_ITEMS = "audit.k8s.items";

    /**
     * Counter of requests whose body came too slowly, answered {@code 408} and closed, by {@code
     * reason}: data_rate (below {@code server.min_request_data_rate}), body_timeout (not complete
     * within {@code server.body_timeout}).
     */
    public static final String HTTP_SLOW_BODIES = "audit.http.slow.bodies";
    /** Counter of requests refused with {@code 429} because their body did not fit {@code server.max_body_bytes_in_flight}. */
    public static final String HTTP_BODY_BUDGET_REFUSED = "audit.http.body.budget.refused";
    /** Gauge of request-body bytes admitted right now (reserved while a body is read and its request handled). */
    public static final String HTTP_BODY_BYTES_IN_FLIGHT = "audit.http.body.in.flight";
    /** Gauge of {@code server.max_body_bytes_in_flight}. */
    public static final String HTTP_BODY_BYTES_MAX = "audit.http.body.max";

    private MetricNames() {}
}
