package dev.auditline.client;

import static dev.auditline.client.ConfigValues.formatDuration;
import static dev.auditline.client.ConfigValues.formatSize;
import static dev.auditline.client.ConfigValues.lower;

import dev.auditline.api.internal.Secrets;
import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The client's configuration: the {@code audit:} section of a service's YAML file (DESIGN §6), with
 * environment overrides, or built in code with {@link #builder()}.
 *
 * <p>Every value is checked when the record is constructed, and every problem is reported at once
 * with its path in an {@link AuditConfigException}; a bad value never falls back to its default.
 *
 * <pre>{@code
 * audit:
 *   datastorage_url: http://datastorage-service:8080   # required
 *   timeout: 10s                # per request
 *   service_name: remediation-orchestrator             # required
 *   buffer:
 *     buffer_size: 50000        # events held in memory
 *     batch_size: 1000          # events per request, ≤ buffer_size
 *     flush_interval: 1s        # max age of an event in the buffer
 *     max_retries: 3            # retries after the first attempt
 *     max_buffer_bytes: 64MiB   # buffer bound in (estimated JSON) bytes
 *     max_in_flight: 4          # concurrent requests
 *     overflow: drop            # drop | block | spill (spill needs spool.dir)
 *     block_timeout: 50ms       # longest store() waits with overflow: block
 *     max_batch_bytes: 4MiB     # request bound in (estimated JSON) bytes, ≤ max_buffer_bytes
 *     delivery_timeout: 5m      # longest an event waits for delivery from its store(), then spooled or dropped
 *   retry: {initial_backoff: 200ms, max_backoff: 30s}
 *   spool: {dir: "", max_bytes: 1GiB}   # empty dir = no spool; one store per directory
 *   auth: {token_file: ""}      # file holding the bearer token; empty = no Authorization header
 * }</pre>
 *
 * @param datastorageUrl base URL of DataStorage, {@code http} or {@code https}
 * @param timeout per-request timeout (connect and response)
 * @param serviceName the emitting service, sent as {@code User-Agent} and used in thread names
 */
public record AuditClientConfig(
        URI datastorageUrl, Duration timeout, String serviceName, Buffer buffer, Retry retry, Spool spool, Auth auth) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    /**
     * Default {@code buffer.buffer_size}: {@value} events. With {@code max_in_flight × batch_size}
     * more held by waiting senders, the defaults hold about 54 s of 1,000 events/s while DataStorage
     * or its database is unavailable, within {@code max_buffer_bytes}.
     */
    public static final int DEFAULT_BUFFER_SIZE = 50_000;
    /** Default {@code buffer.batch_size}: {@value} events. */
    public static final int DEFAULT_BATCH_SIZE = 1000;
    /** Default {@code buffer.flush_interval}: 1s. */
    public static final Duration DEFAULT_FLUSH_INTERVAL = Duration.ofSeconds(1);
    /** Default {@code buffer.max_retries}: {@value}. */
    public static final int DEFAULT_MAX_RETRIES = 3;
    /** Default {@code buffer.max_buffer_bytes}: {@value} (64MiB). */
    public static final long DEFAULT_MAX_BUFFER_BYTES = 64L << 20;
    /** Default {@code buffer.max_in_flight}: {@value} requests. */
    public static final int DEFAULT_MAX_IN_FLIGHT = 4;
    /** Default {@code buffer.block_timeout}: 50ms. */
    public static final Duration DEFAULT_BLOCK_TIMEOUT = Duration.ofMillis(50);
    /** Default {@code buffer.max_batch_bytes}: {@value} (4MiB), well under DataStorage's 16MiB request limit. */
    public static final long DEFAULT_MAX_BATCH_BYTES = 4L << 20;
    /**
     * Default {@code buffer.delivery_timeout}: 5m. Longer than a routine restart or a managed
     * database's failover (seconds to about two minutes), short enough that an event still
     * undelivered after it is handed to the spool (or counted as dropped) while the process lives.
     */
    public static final Duration DEFAULT_DELIVERY_TIMEOUT = Duration.ofMinutes(5);
    /** Default {@code retry.initial_backoff}: 200ms. */
    public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofMillis(200);
    /** Default {@code retry.max_backoff}: 30s. */
    public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(30);
    /** Default {@code spool.max_bytes}: {@value} (1GiB). */
    public static final long DEFAULT_SPOOL_MAX_BYTES = 1L << 30;

    /** Lower bound of {@code spool.max_bytes}: {@value} (4KiB), room for a few records. */
    public static final long MIN_SPOOL_MAX_BYTES = 4L << 10;

    /** Upper bound of {@code buffer.max_in_flight}: {@value}; more concurrent requests only queue at the server. */
    public static final int MAX_IN_FLIGHT_LIMIT = 64;
    /** Upper bound of {@code buffer.max_retries}: {@value}. */
    public static final int MAX_RETRIES_LIMIT = 100;

    /** What {@code store()} does when the buffer is full. */
    public enum Overflow {
        /** Refuse the event at once and count it as dropped ({@code buffer_full}). */
        DROP,
        /** Wait up to {@code block_timeout} for room, then drop ({@code buffer_full}). */
        BLOCK,
        /**
         * Hand the event to the client spool instead of dropping it; needs {@code spool.dir}. {@code
         * store()} still does no I/O: a dedicated thread writes spilled events to disk in batches.
         */
        SPILL
    }

    /**
     * The {@code audit.buffer} section.
     *
     * @param maxBatchBytes bound of one request's events by {@link dev.auditline.api.AuditEvent#estimatedJsonBytes()};
     *     an event larger than this is dropped ({@code oversize}) at {@code store()}
     * @param deliveryTimeout longest an event waits for delivery, measured from its own {@code
     *     store()}; past it the event is spooled (with {@code spool.dir}) or dropped ({@code
     *     delivery_timeout}). At least {@code flush_interval + timeout}, the time a healthy delivery may take
     */
    public record Buffer(
            int bufferSize,
            int batchSize,
            Duration flushInterval,
            int maxRetries,
            long maxBufferBytes,
            int maxInFlight,
            Overflow overflow,
            Duration blockTimeout,
            long maxBatchBytes,
            Duration deliveryTimeout) {

        /** The section without {@code delivery_timeout}, which then takes its default. */
        public Buffer(
                int bufferSize,
                int batchSize,
                Duration flushInterval,
                int maxRetries,
                long maxBufferBytes,
                int maxInFlight,
                Overflow overflow,
                Duration blockTimeout,
                long maxBatchBytes) {
            this(
                    bufferSize,
                    batchSize,
                    flushInterval,
                    maxRetries,
                    maxBufferBytes,
                    maxInFlight,
                    overflow,
                    blockTimeout,
                    maxBatchBytes,
                    DEFAULT_DELIVERY_TIMEOUT);
        }
    }

    /** The {@code audit.retry} section: exponential backoff with full jitter between these bounds. */
    public record Retry(Duration initialBackoff, Duration maxBackoff) {}

    /**
     * The {@code audit.spool} section; {@code dir} is {@code null} when no spool is configured.
     *
     * @param dir the client spool: segments in {@code dir/segments}, events DataStorage rejected in
     *     {@code dir/rejected/rejected.jsonl}; one store per directory (it is locked)
     * @param maxBytes bound of the segment files together; when reached, events that would be spooled
     *     are dropped ({@code spool_full})
     */
    public record Spool(Path dir, long maxBytes) {}

    /** The {@code audit.auth} section; {@code tokenFile} is {@code null} when requests carry no token. */
    public record Auth(Path tokenFile) {}

    public AuditClientConfig {
        List<String> problems = new ArrayList<>();
        ConfigValidation.validate(datastorageUrl, timeout, serviceName, buffer, retry, spool, auth, problems);
        if (!problems.isEmpty()) {
            throw new AuditConfigException(problems);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this configuration's values, for a modified copy. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * Loads the {@code audit:} section of a service's YAML file, with overrides from the process
     * environment.
     *
     * @throws AuditConfigException listing every problem with its path
     * @throws IOException when the file cannot be read
     */
    public static AuditClientConfig fromYaml(Path file) throws IOException {
        return fromYaml(file, System.getenv());
    }

    /**
     * As {@link #fromYaml(Path)}, with the environment given: {@code AUDIT_} followed by the key's
     * path upper-cased with dots as underscores overrides the file ({@code AUDIT_BUFFER_FLUSH_INTERVAL=2s}).
     */
    public static AuditClientConfig fromYaml(Path file, Map<String, String> env) throws IOException {
        return new AuditConfigLoader(env).load(file);
    }

    /** As {@link #fromYaml(Path, Map)}, reading YAML text; {@code source} names it in messages. */
    public static AuditClientConfig fromYaml(Reader yaml, String source, Map<String, String> env) throws IOException {
        return new AuditConfigLoader(env).load(yaml, source);
    }

    /** The effective configuration in YAML-like form for the start-up log; holds no secret (only the token's path). */
    public String describe() {
        return "datastorage_url=" + Secrets.mask(String.valueOf(datastorageUrl))
                + ", timeout=" + formatDuration(timeout)
                + ", service_name=" + serviceName
                + ", buffer={buffer_size=" + buffer.bufferSize
                + ", batch_size=" + buffer.batchSize
                + ", flush_interval=" + formatDuration(buffer.flushInterval)
                + ", max_retries=" + buffer.maxRetries
                + ", max_buffer_bytes=" + formatSize(buffer.maxBufferBytes)
                + ", max_in_flight=" + buffer.maxInFlight
                + ", overflow=" + lower(buffer.overflow)
                + ", block_timeout=" + formatDuration(buffer.blockTimeout)
                + ", max_batch_bytes=" + formatSize(buffer.maxBatchBytes)
                + ", delivery_timeout=" + formatDuration(buffer.deliveryTimeout)
                + "}, retry={initial_backoff=" + formatDuration(retry.initialBackoff)
                + ", max_backoff=" + formatDuration(retry.maxBackoff)
                + "}, spool={dir=" + (spool.dir == null ? "\"\"" : spool.dir)
                + ", max_bytes=" + formatSize(spool.maxBytes)
                + "}, auth={token_file="
                + (auth.tokenFile == null ? "\"\" (no token)" : auth.tokenFile + " (token masked)")
                + "}";
    }

    /**
     * Collects values, all defaulted as DESIGN §6 except {@code datastorage_url} and
     * {@code service_name}; {@link #build()} checks them all at once.
     */
    public static final class Builder {
        private URI datastorageUrl;
        private Duration timeout = DEFAULT_TIMEOUT;
        private String serviceName;
        private int bufferSize = DEFAULT_BUFFER_SIZE;
        private int batchSize = DEFAULT_BATCH_SIZE;
        private Duration flushInterval = DEFAULT_FLUSH_INTERVAL;
        private int maxRetries = DEFAULT_MAX_RETRIES;
        private long maxBufferBytes = DEFAULT_MAX_BUFFER_BYTES;
        private int maxInFlight = DEFAULT_MAX_IN_FLIGHT;
        private Overflow overflow = Overflow.DROP;
        private Duration blockTimeout = DEFAULT_BLOCK_TIMEOUT;
        private long maxBatchBytes = DEFAULT_MAX_BATCH_BYTES;
        private Duration deliveryTimeout = DEFAULT_DELIVERY_TIMEOUT;
        private Duration initialBackoff = DEFAULT_INITIAL_BACKOFF;
        private Duration maxBackoff = DEFAULT_MAX_BACKOFF;
        private Path spoolDir;
        private long spoolMaxBytes = DEFAULT_SPOOL_MAX_BYTES;
        private Path tokenFile;

        Builder() {}

        Builder(AuditClientConfig c) {
            datastorageUrl = c.datastorageUrl;
            timeout = c.timeout;
            serviceName = c.serviceName;
            bufferSize = c.buffer.bufferSize;
            batchSize = c.buffer.batchSize;
            flushInterval = c.buffer.flushInterval;
            maxRetries = c.buffer.maxRetries;
            maxBufferBytes = c.buffer.maxBufferBytes;
            maxInFlight = c.buffer.maxInFlight;
            overflow = c.buffer.overflow;
            blockTimeout = c.buffer.blockTimeout;
            maxBatchBytes = c.buffer.maxBatchBytes;
            deliveryTimeout = c.buffer.deliveryTimeout;
            initialBackoff = c.retry.initialBackoff;
            maxBackoff = c.retry.maxBackoff;
            spoolDir = c.spool.dir;
            spoolMaxBytes = c.spool.maxBytes;
            tokenFile = c.auth.tokenFile;
        }

        public Builder datastorageUrl(URI datastorageUrl) {
            this.datastorageUrl = datastorageUrl;
            return this;
        }

        /** @throws IllegalArgumentException when the text is not a URI at all */
        public Builder datastorageUrl(String datastorageUrl) {
            try {
                this.datastorageUrl = URI.create(Objects.requireNonNull(datastorageUrl, "datastorageUrl"));
            } catch (IllegalArgumentException e) {
                // the parser quotes the whole text, secret included: reported (masked) as a problem
                throw new AuditConfigException(List.of("audit.datastorage_url: is not a URL: " + e.getMessage()));
            }
            return this;
        }

        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        public Builder serviceName(String serviceName) {
            this.serviceName = serviceName;
            return this;
        }

        public Builder bufferSize(int bufferSize) {
            this.bufferSize = bufferSize;
            return this;
        }

        public Builder batchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        public Builder flushInterval(Duration flushInterval) {
            this.flushInterval = flushInterval;
            return this;
        }

        public Builder maxRetries(int maxRetries) {
            this.maxRetries = maxRetries;
            return this;
        }

        public Builder maxBufferBytes(long maxBufferBytes) {
            this.maxBufferBytes = maxBufferBytes;
            return this;
        }

        public Builder maxInFlight(int maxInFlight) {
            this.maxInFlight = maxInFlight;
            return this;
        }

        public Builder overflow(Overflow overflow) {
            this.overflow = overflow;
            return this;
        }

        public Builder blockTimeout(Duration blockTimeout) {
            this.blockTimeout = blockTimeout;
            return this;
        }

        public Builder maxBatchBytes(long maxBatchBytes) {
            this.maxBatchBytes = maxBatchBytes;
            return this;
        }

        public Builder deliveryTimeout(Duration deliveryTimeout) {
            this.deliveryTimeout = deliveryTimeout;
            return this;
        }

        public Builder initialBackoff(Duration initialBackoff) {
            this.initialBackoff = initialBackoff;
            return this;
        }

        public Builder maxBackoff(Duration maxBackoff) {
            this.maxBackoff = maxBackoff;
            return this;
        }

        /** {@code null} = no spool. */
        public Builder spoolDir(Path spoolDir) {
            this.spoolDir = spoolDir;
            return this;
        }

        public Builder spoolMaxBytes(long spoolMaxBytes) {
            this.spoolMaxBytes = spoolMaxBytes;
            return this;
        }

        /** {@code null} = requests carry no {@code Authorization} header. */
        public Builder tokenFile(Path tokenFile) {
            this.tokenFile = tokenFile;
            return this;
        }

        /** @throws AuditConfigException listing every problem */
        public AuditClientConfig build() {
            return new AuditClientConfig(
                    datastorageUrl,
                    timeout,
                    serviceName,
                    new Buffer(
                            bufferSize,
                            batchSize,
                            flushInterval,
                            maxRetries,
                            maxBufferBytes,
                            maxInFlight,
                            overflow,
                            blockTimeout,
                            maxBatchBytes,
                            deliveryTimeout),
                    new Retry(initialBackoff, maxBackoff),
                    new Spool(spoolDir, spoolMaxBytes),
                    new Auth(tokenFile));
        }
    }
}
