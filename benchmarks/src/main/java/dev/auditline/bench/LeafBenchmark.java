package dev.auditline.bench;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.log.LeafEncoding;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The verifiable log's per-event work in DataStorage for one 1,000-event batch of {@code
 * IngestLoadRun}'s events (~1 KB of JSON, {@code event_data} ~465 bytes): the leaf of each event
 * ({@code LeafEncoding.encode}: 24 client field digests, the canonical {@code event_data}, the
 * ingestion digests) and its RFC 6962 leaf hash ({@link #leavesOfABatch}); and the same as {@code
 * PostgresBatchWriter} does it, the client fields before the ingestion values are known and those
 * three digests put in at commit ({@link #leavesAsTheStoreMakesThem}). Run the same class from two
 * builds' jars to compare them.
 *
 * <p>{@code java -jar benchmarks/target/benchmarks.jar LeafBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class LeafBenchmark {
    private List<AuditEvent> events;

    @Setup
    public void setUp() {
        Instant now = Instant.parse("2026-11-28T12:00:00Z");
        events = IngestEvents.generate(42, 1000, 1024, now).stream()
                .map(e -> e.withIngestion(now, 0, "bench"))
                .toList();
    }

    @Benchmark
    public void leavesOfABatch(Blackhole bh) {
        for (AuditEvent e : events) {
            byte[] leaf = LeafEncoding.encode(e);
            bh.consume(LeafEncoding.leafHash(leaf));
        }
    }

    @Benchmark
    public void leavesAsTheStoreMakesThem(Blackhole bh) {
        Instant ingestedAt = Instant.parse("2026-11-28T12:00:01Z");
        long seq = 0;
        for (AuditEvent e : events) {
            byte[] client = LeafEncoding.clientLeaf(e);
            byte[] leaf = LeafEncoding.withIngestion(client, ingestedAt, ++seq, "bench");
            bh.consume(LeafEncoding.leafHash(leaf));
        }
    }
}
