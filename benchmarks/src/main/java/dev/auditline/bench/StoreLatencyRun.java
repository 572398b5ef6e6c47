package dev.auditline.bench;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.wire.BatchResponse;
import dev.auditline.client.AuditClientConfig;
import dev.auditline.client.BufferedAuditStore;
import dev.auditline.client.SendOutcome;
import io.opentelemetry.api.logs.Logger;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import io.opentelemetry.sdk.logs.export.BatchLogRecordProcessor;
import io.opentelemetry.sdk.logs.export.LogRecordExporter;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The latency of one {@code store()} call below saturation, which JMH's sample mode cannot pace:
 * first the producers call as fast as they can to find the most the path accepts per second (its
 * saturation point), then the same producers offer {@code --fraction} (default 50 %) of that rate
 * and every call is timed with {@link System#nanoTime()} around it. Each call has its due time; a
 * producer more than 20 µs ahead of it parks until then (so the batching thread gets its share of
 * the cores), and one that fell behind calls at once until it has caught up.
 *
 * <p>Baseline in the same run: OpenTelemetry's {@code BatchLogRecordProcessor} emit of the same
 * record as {@link StoreBenchmark}'s, at 50 % of its own maximum. Both with prepared inputs and
 * a sink that accepts at once. Percentiles are computed from every timed call (no histogram
 * buckets); the figures include one {@code nanoTime()} pair, whose own cost is printed.
 *
 * <p>{@code java -cp benchmarks.jar dev.auditline.bench.StoreLatencyRun --threads 1,4 --rounds 5}
 */
public final class StoreLatencyRun {
    private StoreLatencyRun() {}

    /** One side under test: a call that hands over input {@code i} and says whether it was accepted. */
    interface Side extends AutoCloseable {
        boolean offer(int i);

        /** Calls refused so far that {@link #offer} could not see (OpenTelemetry's queue-full drops). */
        long hiddenRefusals();

        @Override
        void close();
    }

    public static void main(String[] args) throws Exception {
        int[] threadCounts = {1, 4};
        int rounds = 5;
        double fraction = 0.5;
        int saturateSeconds = 2;
        int pacedSeconds = 3;
        for (int i = 0; i < args.length - 1; i += 2) {
            switch (args[i]) {
                case "--threads" -> threadCounts = Arrays.stream(args[i + 1].split(","))
                        .mapToInt(Integer::parseInt)
                        .toArray();
                case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
                case "--fraction" -> fraction = Double.parseDouble(args[i + 1]);
                case "--saturate-seconds" -> saturateSeconds = Integer.parseInt(args[i + 1]);
                case "--paced-seconds" -> pacedSeconds = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown flag " + args[i]);
            }
        }
        System.out.printf(
                Locale.ROOT,
                "machine: %d CPUs, %s %s; load average %.2f; nanoTime pair %d ns (median)%n",
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.vm.name"),
                System.getProperty("java.version"),
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
                timerCost());
        StoreBenchmark.Inputs inputs = new StoreBenchmark.Inputs(StoreBenchmark.INPUTS);
        AuditEvent[] events = new AuditEvent[StoreBenchmark.INPUTS];
        for (int i = 0; i < events.length; i++) {
            events[i] = inputs.build(i);
        }
        System.out.println(
                "side,threads,round,max_per_s,offered_per_s,calls,refused,p50_ns,p90_ns,p99_ns,p999_ns,max_ns");
        for (int threads : threadCounts) {
            for (int round = 1; round <= rounds; round++) {
                for (String name : List.of("auditline", "otel")) {
                    try (Side side = name.equals("auditline") ? auditline(events) : otel(inputs)) {
                        long max = saturate(side, threads, saturateSeconds);
                        long offered = (long) (max * fraction);
                        paced(side, threads, offered, 1); // warm-up at the paced rate, not recorded
                        Result r = paced(side, threads, offered, pacedSeconds);
                        System.out.printf(
                                Locale.ROOT,
                                "%s,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d%n",
                                name,
                                threads,
                                round,
                                max,
                                offered,
                                r.latencies.length,
                                r.refused,
                                r.percentile(0.50),
                                r.percentile(0.90),
                                r.percentile(0.99),
                                r.percentile(0.999),
                                r.latencies[r.latencies.length - 1]);
                    }
                }
            }
        }
        System.out.printf(
                Locale.ROOT,
                "load average at the end %.2f%n",
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }

    private static long timerCost() {
        long[] d = new long[100_000];
        for (int i = 0; i < d.length; i++) {
            long t0 = System.nanoTime();
            d[i] = System.nanoTime() - t0;
        }
        Arrays.sort(d);
        return d[d.length / 2];
    }

    static Side auditline(AuditEvent[] events) {
        AuditClientConfig config = AuditClientConfig.builder()
                .datastorageUrl("http://127.0.0.1:9")
                .serviceName("benchmark")
                .build();
        BufferedAuditStore store = BufferedAuditStore.builder(config)
                .sink(batch -> SendOutcome.stored(new BatchResponse(batch.size(), 0, 0, List.of())))
                .build();
        return new Side() {
            @Override
            public boolean offer(int i) {
                return store.store(events[i & (events.length - 1)]);
            }

            @Override
            public long hiddenRefusals() {
                return 0;
            }

            @Override
            public void close() {
                store.close(Duration.ofSeconds(10));
            }
        };
    }

    static Side otel(StoreBenchmark.Inputs inputs) {
        OtelDrops drops = new OtelDrops();
        SdkMeterProvider meters =
                SdkMeterProvider.builder().registerMetricReader(drops).build();
        SdkLoggerProvider provider = SdkLoggerProvider.builder()
                .addLogRecordProcessor(BatchLogRecordProcessor.builder(new NoopExporter())
                        .setMaxQueueSize(StoreBenchmark.CAPACITY)
                        .setMaxExportBatchSize(StoreBenchmark.BATCH)
                        .setScheduleDelay(Duration.ofSeconds(1))
                        .setMeterProvider(meters)
                        .build())
                .build();
        Logger logger = provider.get("benchmark");
        return new Side() {
            @Override
            public boolean offer(int i) {
                StoreBenchmark.emit(logger, inputs, i & (StoreBenchmark.INPUTS - 1));
                return true;
            }

            @Override
            public long hiddenRefusals() {
                return drops.dropped();
            }

            @Override
            public void close() {
                provider.shutdown().join(10, TimeUnit.SECONDS);
                meters.shutdown();
            }
        };
    }

    /** Calls as fast as possible; returns the accepted calls per second over the last half of the time. */
    private static long saturate(Side side, int threads, int seconds) throws Exception {
        long[] accepted = new long[threads];
        long[] calls = new long[threads];
        long warmEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds) / 2;
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        long hiddenBefore = 0;
        List<Thread> workers = new ArrayList<>();
        CyclicBarrier atWarmEnd = new CyclicBarrier(threads + 1);
        for (int t = 0; t < threads; t++) {
            int id = t;
            workers.add(start(() -> {
                int i = id * 7919;
                while (System.nanoTime() < warmEnd) {
                    side.offer(i++);
                }
                await(atWarmEnd);
                long ok = 0;
                long n = 0;
                while (System.nanoTime() < end) {
                    n++;
                    if (side.offer(i++)) {
                        ok++;
                    }
                }
                accepted[id] = ok;
                calls[id] = n;
            }));
        }
        atWarmEnd.await();
        hiddenBefore = side.hiddenRefusals();
        for (Thread w : workers) {
            w.join();
        }
        long ok = Arrays.stream(accepted).sum() - (side.hiddenRefusals() - hiddenBefore);
        return ok * 1_000_000_000L / (end - warmEnd);
    }

    private static Thread start(Runnable body) {
        Thread t = new Thread(body, "producer");
        t.start();
        return t;
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    record Result(long[] latencies, long refused) {
        long percentile(double p) {
            return latencies[(int) Math.min(latencies.length - 1, Math.ceil(p * latencies.length) - 1)];
        }
    }

    /** Offers {@code perSecond} calls in total, paced per millisecond, and times each one. */
    private static Result paced(Side side, int threads, long perSecond, int seconds) throws Exception {
        long perThreadPerSecond = Math.max(1, perSecond / threads);
        int perThreadCalls = (int) Math.min(Integer.MAX_VALUE - 8, perThreadPerSecond * seconds);
        long[][] latencies = new long[threads][perThreadCalls];
        long[] refused = new long[threads];
        long hiddenBefore = side.hiddenRefusals();
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(5);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            workers.add(start(() -> {
                long[] mine = latencies[id];
                int i = id * 7919;
                for (int k = 0; k < mine.length; k++) {
                    // call k is due at start + k / rate; wait (parked when far) until it is
                    long due = start + (long) (k * 1e9 / perThreadPerSecond);
                    long now = System.nanoTime();
                    if (due - now > 20_000) {
                        LockSupport.parkNanos(due - now);
                    }
                    long t0 = System.nanoTime();
                    boolean ok = side.offer(i++);
                    mine[k] = System.nanoTime() - t0;
                    if (!ok) {
                        refused[id]++;
                    }
                }
            }));
        }
        for (Thread w : workers) {
            w.join();
        }
        long[] all = Arrays.stream(latencies).flatMapToLong(Arrays::stream).toArray();
        Arrays.sort(all);
        return new Result(all, Arrays.stream(refused).sum() + side.hiddenRefusals() - hiddenBefore);
    }

    private static final class NoopExporter implements LogRecordExporter {
        @Override
        public CompletableResultCode export(Collection<LogRecordData> logs) {
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
