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
