package dev.auditline.client;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Exposes a {@link BufferedAuditStore}'s counters to Micrometer. Micrometer is an optional
 * dependency of the client: this class is loaded only when an application creates it, so services
 * without Micrometer use {@link BufferedAuditStore#stats()} instead.
 *
 * <pre>{@code
 * new AuditClientMetrics(store).bindTo(registry);
 * }</pre>
 *
 * <p>All meter names are the constants below. Tag values are bounded ({@code outcome}, {@code
 * reason}, {@code trigger}, {@code status_class}); no event data ever becomes a tag.
 */
public final class AuditClientMetrics implements MeterBinder {
    /** Events by {@code outcome} (enqueued, acked, rejected, spooled, dropped) and, for dropped, {@code reason}. */
    public static final String EVENTS = "audit.client.events";
    /** Events waiting in the buffer. */
    public static final String BUFFER_EVENTS = "audit.client.buffer.events";
    /** Estimated JSON bytes waiting in the buffer. */
    public static final String BUFFER_BYTES = "audit.client.buffer.bytes";
    /** Age of the oldest buffered event; stays below flush_interval while DataStorage is healthy. */
    public static final String BUFFER_OLDEST_AGE = "audit.client.buffer.oldest.age";
    /** Events handed to senders and not yet terminal. */
    public static final String IN_FLIGHT_EVENTS = "audit.client.in_flight.events";
    /** Batches cut, by {@code trigger}. */
    public static final String FLUSHES = "audit.client.flushes";
    /** Events per batch. */
    public static final String BATCH_SIZE = "audit.client.batch.size";
    /** Duration of one request attempt, by {@code status_class}. */
    public static final String SEND_DURATION = "audit.client.send.duration";
    /** Attempts after a batch's first. */
    public static final String RETRIES = "audit.client.retries";
    /** From {@code store()} to the server's ack, per acked event. */
    public static final String DELIVERY_LATENCY = "audit.client.delivery.latency";
    /** Events this process spooled that no replay has taken out yet ({@code spooled_pending}). */
    public static final String SPOOL_PENDING_EVENTS = "audit.client.spool.pending.events";
    /** Bytes of the spool's segment files, bounded by {@code spool.max_bytes}. */
    public static final String SPOOL_BYTES = "audit.client.spool.bytes";
    /** Records in the spool not yet replayed (from this and earlier processes). */
    public static final String SPOOL_RECORDS = "audit.client.spool.records";
    /** Segment files in the spool, the open one included. */
    public static final String SPOOL_SEGMENTS = "audit.client.spool.segments";
    /** Records the spool refused because it was full; their events are dropped ({@code spool_full}). */
    public static final String SPOOL_REFUSED = "audit.client.spool.refused";
    /** Records delivered by replay. */
    public static final String REPLAY_RECORDS = "audit.client.replay.records";
    /** Events in the records delivered by replay. */
    public static final String REPLAY_EVENTS = "audit.client.replay.events";
    /** Replay attempts in a row that stopped at a failure; 0 while replay works. */
    public static final String REPLAY_FAILURES = "audit.client.replay.consecutive_failures";
    /**
     * Events found in the spool from an earlier process, by {@code outcome} (acked, rejected,
     * dropped): outside this process's {@link #EVENTS}, which it never enqueued.
     */
    public static final String RECOVERED_EVENTS = "audit.client.spool.recovered.events";
    /** Rejected events written to {@code rejected/rejected.jsonl}, by {@code result} (written, failed). */
    public static final String REJECTED_FILE_WRITES = "audit.client.rejected_file.writes";

    private final BufferedAuditStore store;
    private final Tags tags;

    public AuditClientMetrics(BufferedAuditStore store) {
        this(store, Tags.of("service", store.config().serviceName()));
    }

    public AuditClientMetrics(BufferedAuditStore store, Iterable<Tag> tags) {
        this.store = Objects.requireNonNull(store, "store");
        this.tags = Tags.of(tags);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        // Function meters hold the store strongly here, so gauges keep reading it.
        outcome(registry, "enqueued", AuditClientStats::enqueued);
        outcome(registry, "acked", AuditClientStats::acked);
        outcome(registry, "rejected", AuditClientStats::rejected);
        outcome(registry, "spooled", AuditClientStats::spooled);
        for (DropReason reason : DropReason.values()) {
            FunctionCounter.builder(EVENTS, store, s -> s.stats().dropped(reason))
                    .tags(tags)
                    .tag("outcome", "dropped")
                    .tag("reason", reason.tagValue())
                    .baseUnit("events")
                    .description("Audit events by terminal outcome; dropped ones by reason")
                    .register(registry);
        }
        gauge(registry, BUFFER_EVENTS, "events", "Audit events waiting in the client buffer", s -> s.stats()
                .bufferedEvents());
        gauge(registry, BUFFER_BYTES, "bytes", "Estimated JSON bytes waiting in the client buffer", s -> s.stats()
                .bufferedBytes());
        gauge(
                registry,
                BUFFER_OLDEST_AGE,
                "seconds",
                "Age of the oldest buffered audit event",
                s -> s.stats().oldestEventAge().toNanos() / 1e9);
        gauge(registry, IN_FLIGHT_EVENTS, "events", "Audit events in requests under way", s -> s.stats()
                .inFlightEvents());
        for (FlushTrigger trigger : FlushTrigger.values()) {
            FunctionCounter.builder(FLUSHES, store, s -> s.stats().flushes(trigger))
                    .tags(tags)
                    .tag("trigger", trigger.tagValue())
                    .baseUnit("batches")
                    .description("Batches cut by the audit client, by trigger")
                    .register(registry);
        }
        bindSpool(registry);
        FunctionCounter.builder(RETRIES, store, s -> s.stats().retries())
                .tags(tags)
                .baseUnit("requests")
                .description("Audit batch request attempts after the first")
                .register(registry);

        DistributionSummary batchSize = DistributionSummary.builder(BATCH_SIZE)
                .tags(tags)
                .baseUnit("events")
                .description("Audit events per batch")
                .register(registry);
        Timer deliveryLatency = Timer.builder(DELIVERY_LATENCY)
                .tags(tags)
                .description("Time from store() to DataStorage's ack, per audit event")
                .publishPercentileHistogram()
                .maximumExpectedValue(Duration.ofMinutes(5))
                .register(registry);
        Map<String, Timer> sendDurations = new ConcurrentHashMap<>();
        store.addObserver(new PipelineObserver() {
            @Override
            public void batchCut(FlushTrigger trigger, int events) {
                batchSize.record(events);
            }

            @Override
            public void sendFinished(String statusClass, long durationNanos) {
                sendDurations
                        .computeIfAbsent(statusClass, c -> Timer.builder(SEND_DURATION)
                                .tags(tags)
                                .tag("status_class", c)
                                .description("Duration of one audit batch request attempt, by status class")
                                .register(registry))
                        .record(durationNanos, TimeUnit.NANOSECONDS);
            }

            @Override
            public void delivered(long latencyNanos) {
                deliveryLatency.record(latencyNanos, TimeUnit.NANOSECONDS);
            }
        });
    }

    private void bindSpool(MeterRegistry registry) {
        gauge(
                registry,
                SPOOL_PENDING_EVENTS,
                "events",
                "Audit events this process spooled, not yet replayed",
                s -> s.stats().spooledPending());
        gauge(registry, SPOOL_BYTES, "bytes", "Bytes of the audit client spool's segment files", s -> s.stats()
                .spool()
                .pendingBytes());
        gauge(registry, SPOOL_RECORDS, "records", "Records in the audit client spool not yet replayed", s -> s.stats()
                .spool()
                .pendingRecords());
        gauge(registry, SPOOL_SEGMENTS, "segments", "Segment files in the audit client spool", s -> s.stats()
                .spool()
                .pendingSegments());
        gauge(
                registry,
                REPLAY_FAILURES,
                "attempts",
                "Audit spool replay attempts in a row that stopped at a failure",
                s -> s.stats().spool().replayFailures());
        counter(
                registry,
                SPOOL_REFUSED,
                "records",
                "Records the full audit client spool refused",
                null,
                null,
                s -> s.spool().refusedRecords());
        counter(
                registry,
                REPLAY_RECORDS,
                "records",
                "Audit spool records delivered by replay",
                null,
                null,
                s -> s.spool().replayedRecords());
        counter(
                registry,
                REPLAY_EVENTS,
                "events",
                "Audit events in spool records delivered by replay",
                null,
                null,
                s -> s.spool().replayedEvents());
        String recovered = "Audit events an earlier process left in the spool, by outcome";
        counter(registry, RECOVERED_EVENTS, "events", recovered, "outcome", "acked", s -> s.spool()
                .recoveredAcked());
        counter(registry, RECOVERED_EVENTS, "events", recovered, "outcome", "rejected", s -> s.spool()
                .recoveredRejected());
        counter(registry, RECOVERED_EVENTS, "events", recovered, "outcome", "dropped", s -> s.spool()
                .recoveredDropped());
        String rejectedFile = "Rejected audit events written to the rejected file, by result";
        counter(registry, REJECTED_FILE_WRITES, "events", rejectedFile, "result", "written", s -> s.spool()
                .rejectedFileWrites());
        counter(registry, REJECTED_FILE_WRITES, "events", rejectedFile, "result", "failed", s -> s.spool()
                .rejectedFileFailures());
    }

    private void counter(
            MeterRegistry registry,
            String name,
            String unit,
            String description,
            String tagKey,
            String tagValue,
            ToDoubleFunction<AuditClientStats> value) {
        FunctionCounter.Builder<BufferedAuditStore> b = FunctionCounter.builder(
                        name, store, s -> value.applyAsDouble(s.stats()))
                .tags(tags)
                .baseUnit(unit)
                .description(description);
        if (tagKey != null) {
            b.tag(tagKey, tagValue);
        }
        b.register(registry);
    }

    private void outcome(MeterRegistry registry, String outcome, ToDoubleFunction<AuditClientStats> value) {
        FunctionCounter.builder(EVENTS, store, s -> value.applyAsDouble(s.stats()))
                .tags(tags)
                .tag("outcome", outcome)
                .tag("reason", "none")
                .baseUnit("events")
                .description("Audit events by terminal outcome; dropped ones by reason")
                .register(registry);
    }

    private void gauge(
            MeterRegistry registry,
            String name,
            String unit,
            String description,
            ToDoubleFunction<BufferedAuditStore> value) {
        Gauge.builder(name, store, value)
                .tags(tags)
                .baseUnit(unit)
                .description(description)
                .strongReference(true)
                .register(registry);
    }
}
