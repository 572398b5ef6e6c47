package dev.auditline.bench;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.EventData;
import dev.auditline.api.EventOutcome;
import dev.auditline.api.wire.BatchResponse;
import dev.auditline.client.AuditClientConfig;
import dev.auditline.client.AuditClientStats;
import dev.auditline.client.BufferedAuditStore;
import dev.auditline.client.SendOutcome;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Value;
import io.opentelemetry.api.logs.Logger;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import io.opentelemetry.sdk.logs.export.BatchLogRecordProcessor;
import io.opentelemetry.sdk.logs.export.LogRecordExporter;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The whole call a service makes, against the strongest equivalent baseline in the same run:
 *
 * <ul>
 *   <li>{@code call}: {@code AuditEvent.builder()…build()} (id, timestamp, every rule, {@code
 *       event_data} serialized and measured once) and {@link BufferedAuditStore#store}.
 *   <li>{@code otelEmit}: OpenTelemetry's {@link BatchLogRecordProcessor} emit of the same record:
 *       the nine fields as string attributes and {@code event_data} as the body (the same map turned
 *       into a {@link Value} map inside the timed code, as a service holding a map would do).
 *   <li>{@code store}: the hand-off alone, a pre-built event.
 * </ul>
 *
 * <p>Both sides get the same inputs, prepared before the timed code (strings, maps), the same
 * capacity (auditline at its defaults: buffer 50,000, batches of 1,000, 1 s flush interval;
 * OpenTelemetry's queue set to 50,000, batches of 1,000, 1 s delay) and a sink that accepts at once,
 * so what is measured is the call and the batching machinery, not a network.
 *
 * <p>Only accepted calls count as work: {@code accepted} and {@code refused} (auditline, from
 * {@code store()}'s answer) are reported as secondary results; OpenTelemetry's refusals (queue full)
 * are read from its own {@code processedLogs{dropped=true}} counter and printed after each
 * iteration. Run with {@code -t 1} and {@code -t 4}; see BENCHMARKS.md.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(5)
public class StoreBenchmark {
    static final int CAPACITY = 50_000;
    static final int BATCH = 1_000;
    static final int INPUTS = 1024;
    private static final AttributeKey<String> EVENT_TYPE = AttributeKey.stringKey("event_type");
    private static final AttributeKey<String> EVENT_CATEGORY = AttributeKey.stringKey("event_category");
    private static final AttributeKey<String> EVENT_ACTION = AttributeKey.stringKey("event_action");
    private static final AttributeKey<String> EVENT_OUTCOME = AttributeKey.stringKey("event_outcome");
    private static final AttributeKey<String> CORRELATION_ID = AttributeKey.stringKey("correlation_id");
    private static final AttributeKey<String> ACTOR_TYPE = AttributeKey.stringKey("actor_type");
    private static final AttributeKey<String> ACTOR_ID = AttributeKey.stringKey("actor_id");
    private static final AttributeKey<String> RESOURCE_TYPE = AttributeKey.stringKey("resource_type");
    private static final AttributeKey<String> RESOURCE_ID = AttributeKey.stringKey("resource_id");

    private BufferedAuditStore store;
    private SdkLoggerProvider loggerProvider;
    private BatchLogRecordProcessor processor;
    private OtelDrops otelDrops;
    private NoopExporter exporter;
    private Logger logger;
    private Inputs inputs;
    private AuditEvent[] events;
    private long otelDroppedBefore;
    private long exportedBefore;
    private long ackedBefore;

    @Setup(Level.Trial)
    public void setUp() {
        AuditClientConfig config = AuditClientConfig.builder()
                .datastorageUrl("http://127.0.0.1:9")
                .serviceName("benchmark")
                .build();
        store = BufferedAuditStore.builder(config)
                .sink(batch -> SendOutcome.stored(new BatchResponse(batch.size(), 0, 0, List.of())))
                .build();
        otelDrops = new OtelDrops();
        SdkMeterProvider meters =
                SdkMeterProvider.builder().registerMetricReader(otelDrops).build();
        processor = BatchLogRecordProcessor.builder(exporter = new NoopExporter())
                .setMaxQueueSize(CAPACITY)
                .setMaxExportBatchSize(BATCH)
                .setScheduleDelay(Duration.ofSeconds(1))
                .setMeterProvider(meters)
                .build();
        loggerProvider =
                SdkLoggerProvider.builder().addLogRecordProcessor(processor).build();
        logger = loggerProvider.get("benchmark");
        inputs = new Inputs(INPUTS);
        events = new AuditEvent[INPUTS];
        for (int i = 0; i < INPUTS; i++) {
            events[i] = inputs.build(i);
        }
    }

    @Setup(Level.Iteration)
    public void startIteration() {
        otelDroppedBefore = otelDrops.dropped();
        exportedBefore = exporter.exported.sum();
        ackedBefore = store.stats().acked();
    }

    /** Both sides deliver what they hold, so the next iteration starts with empty queues. */
    @TearDown(Level.Iteration)
    public void endIteration() {
        store.flush(Duration.ofSeconds(30));
        processor.forceFlush().join(30, TimeUnit.SECONDS);
        System.out.printf(
                "%n[delivered] auditline acked=%d; otel exported=%d refused(queue full)=%d%n",
                store.stats().acked() - ackedBefore,
                exporter.exported.sum() - exportedBefore,
                otelDrops.dropped() - otelDroppedBefore);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        AuditClientStats stats = store.stats();
        store.close(Duration.ofSeconds(10));
        loggerProvider.shutdown().join(10, TimeUnit.SECONDS);
        System.out.printf("%n[trial] auditline enqueued=%d dropped=%d%n", stats.enqueued(), stats.droppedTotal());
    }

    /** Per-thread counts of {@code store()}'s answers; JMH reports each as a rate. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Calls {
        public long accepted;
        public long refused;
        int next;

        @Setup(Level.Iteration)
        public void reset() {
            accepted = 0;
            refused = 0;
        }

        int advance() {
            next = (next + 1) & (INPUTS - 1);
            return next;
        }

        boolean count(boolean ok) {
            if (ok) {
                accepted++;
            } else {
                refused++;
            }
            return ok;
        }
    }

    @Benchmark
    public boolean call(Calls calls) {
        return calls.count(store.store(inputs.build(calls.advance())));
    }

    @Benchmark
    public boolean store(Calls calls) {
        return calls.count(store.store(events[calls.advance()]));
    }

    /** The input index of OpenTelemetry's side, which has no per-call answer to count (see {@link OtelDrops}). */
    @State(Scope.Thread)
    public static class Cursor {
        int next;

        int advance() {
            next = (next + 1) & (INPUTS - 1);
            return next;
        }
    }

    @Benchmark
    public void otelEmit(Cursor cursor) {
        emit(logger, inputs, cursor.advance());
    }

    /**
     * Not a side of the comparison: what serializing and measuring {@code event_data} alone costs
     * inside {@code call}, to tell where its time and allocation go.
     */
    @Benchmark
    public EventData eventDataOnly(Cursor cursor) {
        return EventData.of(inputs.eventData[cursor.advance()]);
    }

    /** The record OpenTelemetry gets for input {@code i}: the fields as attributes, {@code event_data} as the body. */
    static void emit(Logger logger, Inputs inputs, int i) {
        logger.logRecordBuilder()
                .setBody(body(inputs.eventData[i]))
                .setAttribute(EVENT_TYPE, inputs.eventType)
                .setAttribute(EVENT_CATEGORY, inputs.eventCategory)
                .setAttribute(EVENT_ACTION, inputs.eventAction)
                .setAttribute(EVENT_OUTCOME, inputs.eventOutcome)
                .setAttribute(CORRELATION_ID, inputs.correlationIds[i])
                .setAttribute(ACTOR_TYPE, inputs.actorType)
                .setAttribute(ACTOR_ID, inputs.actorId)
                .setAttribute(RESOURCE_TYPE, inputs.resourceType)
                .setAttribute(RESOURCE_ID, inputs.resourceIds[i])
                .emit();
    }

    /** What a service holding {@code event_data} as a map does to make it a log body. */
    private static Value<?> body(Map<String, Object> data) {
        Map<String, Value<?>> values = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : data.entrySet()) {
            Object v = e.getValue();
            values.put(e.getKey(), v instanceof String s ? Value.of(s) : Value.of(((Number) v).longValue()));
        }
        return Value.of(values);
    }

    /** The same field values for both sides, built before any timed code. */
    static final class Inputs {
        final String eventType = "orchestrator.approval.requested";
        final String eventCategory = "orchestration";
        final String eventAction = "requested";
        final String eventOutcome = EventOutcome.PENDING.wireName();
        final String actorType = "service";
        final String actorId = "remediation-orchestrator";
        final String resourceType = "remediation_request";
        final String[] correlationIds;
        final String[] resourceIds;
        final Map<String, Object>[] eventData;

        @SuppressWarnings("unchecked")
        Inputs(int n) {
            correlationIds = new String[n];
            resourceIds = new String[n];
            eventData = new Map[n];
            for (int i = 0; i < n; i++) {
                correlationIds[i] = "rr-2026-" + i;
                resourceIds[i] = "rr-2026-" + i;
                eventData[i] = Map.of("approver", "oncall", "step", i);
            }
        }

        AuditEvent build(int i) {
            return AuditEvent.builder()
                    .eventType(eventType)
                    .eventCategory(eventCategory)
                    .eventAction(eventAction)
                    .eventOutcome(EventOutcome.PENDING)
                    .correlationId(correlationIds[i])
                    .actor(actorType, actorId)
                    .resource(resourceType, resourceIds[i])
                    .eventData(eventData[i])
                    .build();
        }
    }

    private static final class NoopExporter implements LogRecordExporter {
        final LongAdder exported = new LongAdder();

        @Override
        public CompletableResultCode export(Collection<LogRecordData> logs) {
            exported.add(logs.size());
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
        }
    }
}
