package dev.auditline.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.auditline.api.AuditEvent;
import dev.auditline.api.EventOutcome;
import dev.auditline.api.ValidationLimits;
import dev.auditline.api.json.AuditJson;
import dev.auditline.api.json.EventDecoder;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
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

/**
 * DataStorage's decode of one 1,000-event batch body (events of the usual shape, a ~200-byte
 * {@code event_data}), per batch: the one streaming pass ({@code streaming}) against the floor of
 * any tree-based decoder, Jackson's {@code readTree} of the same body alone ({@code treeOnly}),
 * and the tree followed by per-item decoding ({@code treeThenItems}); and the same body in gzip,
 * decoded while it is inflated against inflated whole first ({@code gzip…}).
 *
 * <p>{@code java -jar benchmarks/target/benchmarks.jar DecodeBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class DecodeBenchmark {
    private static final int EVENTS = 1000;

    private final EventDecoder decoder = new EventDecoder(ValidationLimits.DEFAULTS);
    private byte[] body;
    private byte[] gzipBody;
    private byte[] hostile;
    private Instant now;

    @Setup
    public void setUp() throws Exception {
        now = Instant.now();
        List<AuditEvent> events = new ArrayList<>(EVENTS);
        for (int i = 0; i < EVENTS; i++) {
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("reason", "quota exceeded on node worker-" + (i % 17));
            data.put("attempt", i % 5);
            data.put("ratio", 0.25 + i / 1000.0);
            data.put("labels", Map.of("team", "payments", "tier", "gold"));
            data.put("steps", List.of("check", "approve", "apply"));
            events.add(AuditEvent.builder()
                    .eventType("orchestrator.approval.requested")
                    .eventCategory("orchestration")
                    .eventAction("requested")
                    .eventOutcome(EventOutcome.PENDING)
                    .eventTimestamp(now.minusMillis(i))
                    .correlationId("rr-2026-" + i)
                    .actor("service", "remediation-orchestrator")
                    .resource("remediation_request", "rr-2026-" + i)
                    .eventData(data)
                    .build());
        }
        body = AuditJson.mapper().writeValueAsBytes(Map.of("events", events));
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(body);
        }
        gzipBody = gz.toByteArray();
        hostile = hostileBody(now);
        if (decoder.decodeBatch(body, now, EVENTS).stream().anyMatch(d -> !d.valid())) {
            throw new IllegalStateException(
                    "the benchmark batch must be valid: " + new String(body, 0, 300, StandardCharsets.UTF_8));
        }
    }

    /**
     * One event whose {@code event_data} nests 30 objects under 40,000-character keys and holds
     * 10,000 members at the bottom (about 1.3 MB): a decoder that builds each value's JSON path
     * copies the 1.2 MB prefix once per member.
     */
    static byte[] hostileBody(Instant now) throws Exception {
        StringBuilder data = new StringBuilder();
        String key = "k".repeat(40_000);
        for (int i = 0; i < 30; i++) {
            data.append("{\"").append(key).append(i).append("\":");
        }
        data.append('{');
        for (int i = 0; i < 10_000; i++) {
            data.append(i == 0 ? "" : ",").append("\"a").append(i).append("\":").append(i);
        }
        data.append('}').append("}".repeat(30));
        String item = AuditJson.mapper()
                .writeValueAsString(AuditEvent.builder()
                        .eventType("orchestrator.approval.requested")
                        .eventCategory("orchestration")
                        .eventAction("requested")
                        .eventOutcome(EventOutcome.PENDING)
                        .eventTimestamp(now)
                        .correlationId("rr-hostile")
                        .actor("service", "remediation-orchestrator")
                        .resource("remediation_request", "rr-hostile")
                        .build());
        item = item.replace("\"event_data\":{}", "\"event_data\":" + data);
        return ("{\"events\":[" + item + "]}").getBytes(StandardCharsets.UTF_8);
    }

    @Benchmark
    public List<EventDecoder.Decoded> hostileStreaming() {
        return decoder.decodeBatch(hostile, now, EVENTS);
    }

    @Benchmark
    public JsonNode hostileTreeOnly() throws Exception {
        return AuditJson.mapper().readTree(hostile);
    }

    @Benchmark
    public List<EventDecoder.Decoded> streaming() {
        return decoder.decodeBatch(body, now, EVENTS);
    }

    /**
     * A gzip body decoded while it is inflated, as the batch route does (the JDK's {@code
     * GZIPInputStream} stands in for DataStorage's strict, package-private gzip reader).
     */
    @Benchmark
    public List<EventDecoder.Decoded> gzipDecodedWhileInflating() throws Exception {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gzipBody), 8192)) {
            return decoder.decodeBatch(in, now, EVENTS);
        }
    }

    /** Baseline of the above: the whole body inflated into one array first, as the route did before. */
    @Benchmark
    public List<EventDecoder.Decoded> gzipInflatedThenDecoded() throws Exception {
        byte[] inflated;
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gzipBody), 8192)) {
            inflated = in.readAllBytes();
        }
        return decoder.decodeBatch(inflated, now, EVENTS);
    }

    @Benchmark
    public JsonNode treeOnly() throws Exception {
        return AuditJson.mapper().readTree(body);
    }

    @Benchmark
    public List<EventDecoder.Decoded> treeThenItems() throws Exception {
        JsonNode events = AuditJson.mapper().readTree(body).get("events");
        List<EventDecoder.Decoded> out = new ArrayList<>(events.size());
        for (JsonNode item : events) {
            out.add(decoder.decode(item, now));
        }
        return out;
    }
}
