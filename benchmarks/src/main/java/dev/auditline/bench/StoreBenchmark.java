package dev.auditline.bench;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.EventOutcome;
import dev.auditline.api.wire.BatchResponse;
import dev.auditline.client.AuditClientConfig;
import dev.auditline.client.AuditClientStats;
import dev.auditline.client.BufferedAuditStore;
import dev.auditline.client.SendOutcome;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.logs.Logger;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import io.opentelemetry.sdk.logs.export.BatchLogRecordProcessor;
import io.opentelemetry.sdk.logs.export.LogRecordExporter;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
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
 * The cost a service pays to hand over one record: {@link BufferedAuditStore#store} against
 * OpenTelemetry's {@link BatchLogRecordProcessor} with the same capacity (queue 10,000, batches of
 * 1,000, 1 s delay), both behind a no-op exporter, in the same run.
 *
 * <p>{@code store} hands over a pre-built event, as a service would after building it;
 * {@code buildAndStore} includes building and validating the event. OpenTelemetry's
 * {@code emit} includes creating its log record, so the fair comparisons are {@code store} for the
 * hand-off alone and {@code buildAndStore} for the whole call a service makes.
 *
 * <p>Run with 1 and 4 producer threads ({@code -t 1}, {@code -t 4}); see BENCHMARKS.md.
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.Throughput, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class StoreBenchmark {
    static final int CAPACITY = 10_000;
    static final int BATCH = 1_000;
    private static final AttributeKey<String> CORRELATION = AttributeKey.stringKey("correlation_id");
    private static final AttributeKey<String> RESOURCE = AttributeKey.stringKey("resource_id");

    private BufferedAuditStore store;
    private SdkLoggerProvider loggerProvider;
    private NoopExporter exporter;
    private long trialStartNanos;
    private Logger logger;
    private AuditEvent[] events;

    @Setup(Level.Trial)
    public void setUp() {
        AuditClientConfig config = AuditClientConfig.builder()
                .datastorageUrl("http://127.0.0.1:9")
                .serviceName("benchmark")
                .bufferSize(CAPACITY)
                .batchSize(BATCH)
                .flushInterval(Duration.ofSeconds(1))
                .build();
        store = BufferedAuditStore.builder(config)
                .sink(batch -> SendOutcome.stored(new BatchResponse(batch.size(), 0, 0, List.of())))
                .build();
        loggerProvider = SdkLoggerProvider.builder()
                .addLogRecordProcessor(BatchLogRecordProcessor.builder(exporter = new NoopExporter())
                        .setMaxQueueSize(CAPACITY)
                        .setMaxExportBatchSize(BATCH)
                        .setScheduleDelay(Duration.ofSeconds(1))
                        .build())
                .build();
        logger = loggerProvider.get("benchmark");
        events = new AuditEvent[1024];
        for (int i = 0; i < events.length; i++) {
            events[i] = newEvent(i);
        }
        trialStartNanos = System.nanoTime();
    }

    /**
     * Prints what each side actually delivered during the trial (warm-up included). At saturation
     * part of the hand-offs are refused because the buffer is full, so ops/µs alone overstates
     * the work done; delivered events per second is the sustained rate.
     */
    @TearDown(Level.Trial)
    public void tearDown() {
        AuditClientStats stats = store.stats();
        double seconds = (System.nanoTime() - trialStartNanos) / 1e9;
        store.close(Duration.ofSeconds(10));
        loggerProvider.shutdown().join(10, TimeUnit.SECONDS);
        System.out.printf(
                "%ndelivered during trial (%.1f s): auditline acked=%d (%.0f/s) dropped=%d;"
                        + " otel exported=%d (%.0f/s)%n",
                seconds,
                stats.acked(),
                stats.acked() / seconds,
                stats.droppedTotal(),
                exporter.exported.sum(),
                exporter.exported.sum() / seconds);
    }

    @State(Scope.Thread)
    public static class Cursor {
        int next;

        int advance() {
            next = (next + 1) & 1023;
            return next;
        }
    }

    @Benchmark
    public boolean store(Cursor cursor) {
        return store.store(events[cursor.advance()]);
    }

    @Benchmark
    public boolean buildAndStore(Cursor cursor) {
        return store.store(newEvent(cursor.advance()));
    }

    @Benchmark
    public void otelEmit(Cursor cursor) {
        int i = cursor.advance();
        logger.logRecordBuilder()
                .setBody("orchestrator.approval.requested")
                .setAttribute(CORRELATION, "rr-" + i)
                .setAttribute(RESOURCE, "rr-" + i)
                .emit();
    }

    static AuditEvent newEvent(int i) {
        return AuditEvent.builder()
                .eventType("orchestrator.approval.requested")
                .eventCategory("orchestration")
                .eventAction("requested")
                .eventOutcome(EventOutcome.PENDING)
                .correlationId("rr-" + i)
                .actor("service", "remediation-orchestrator")
                .resource("remediation_request", "rr-" + i)
                .eventData(Map.of("approver", "oncall", "step", i))
                .build();
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
