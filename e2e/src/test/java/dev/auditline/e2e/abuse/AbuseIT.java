package dev.auditline.e2e.abuse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.auditline.client.FlushReport;
import dev.auditline.e2e.ChildDataStorage;
import dev.auditline.e2e.abuse.HostileInputs.Hostile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * DataStorage at its defaults (a child JVM at {@code -Xmx512m}, embedded SQLite) under hostile
 * input and slow clients, while a normal client at its defaults keeps sending and {@code /healthz}
 * is asked every 200 ms: edge and malformed query values, expensive and malformed bodies, sixteen
 * 15 MB batches at once and {@code limit=1000} pages over them, and {@value #SLOW_UPLOADS} uploads
 * trickling a byte every two seconds.
 *
 * <p>Holds: no {@code 5xx} to a hostile request (a {@code 503} with {@code Retry-After} is "come
 * back later" and allowed), every request answered, no partial batch (every item of an accepted
 * batch that was not rejected is stored, nothing of a refused batch or a rejected item is), {@code
 * /healthz} within 1 s throughout, every event of the normal client stored (the exact id set), and
 * the server alive with no {@code OutOfMemoryError}.
 */
class AbuseIT {
    static final int SLOW_UPLOADS = 260;

    /** The ids stored under {@code correlationId}; a page that is not a 200 is noted, not thrown. */
    private static Set<UUID> walk(RawHttp http, String correlationId, List<String> errors) {
        try {
            return LargeLoad.storedIds(http, correlationId);
        } catch (java.io.IOException e) {
            errors.add(e.getMessage().length() > 400 ? e.getMessage().substring(0, 400) : e.getMessage());
            return Set.of();
        }
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void hostileRequestsGetNo5xxStoreNoPartialBatchAndStarveNeitherHealthNorTheNormalClient() throws Exception {
        Path dir = Path.of(System.getProperty("auditline.reliability.dir", "target/reliability"))
                .resolveSibling("abuse");
        if (Files.exists(dir)) {
            try (var paths = Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder())
                        .forEach(p -> p.toFile().delete());
            }
        }
        long started = System.nanoTime();
        try (ChildDataStorage server = ChildDataStorage.prepareSqlite(dir, "512m")) {
            server.start();
            RawHttp http = new RawHttp(server.port());
            AbuseLedger ledger = new AbuseLedger();
            Map<Integer, Integer> slowAnswers;
            FlushReport normalFlush;
            Set<UUID> normalIds;
            String normalCorrelation;
            int refusedByStore;
            HealthSampler health = new HealthSampler(server.baseUrl());
            try (NormalClient normal = new NormalClient(server.baseUrl())) {
                for (Hostile q : HostileInputs.queries()) {
                    ledger.record(q, http.send(q.method(), q.path(), null, null), true);
                }
                for (Hostile b : HostileInputs.bodies()) {
                    ledger.record(b, http.send(b.method(), b.path(), b.contentEncoding(), b.body()), true);
                }
                CompletableFuture<Map<Integer, Integer>> slow = CompletableFuture.supplyAsync(() -> {
                    try {
                        return new SlowUploads(
                                        server.port(), SLOW_UPLOADS, Duration.ofSeconds(2), Duration.ofSeconds(8))
                                .run();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                LargeLoad large = new LargeLoad(http, ledger);
                large.sendBodies();
                slowAnswers = slow.get(60, TimeUnit.SECONDS);
                ledger.countInput(SLOW_UPLOADS + " uploads trickling a byte every 2 s");
                slowAnswers.forEach((status, n) -> ledger.countRequests(n, status));
                large.readPages(4);
                normalFlush = normal.stopAndFlush(Duration.ofMinutes(1));
                normalIds = normal.ids();
                normalCorrelation = normal.correlationId();
                refusedByStore = normal.refusedByStore();
            } finally {
                health.close();
            }
            boolean aliveAfterLoad = server.isAlive();
            List<String> walkErrors = new ArrayList<>();
            Set<UUID> storedNormal = walk(http, normalCorrelation, walkErrors);
            Set<UUID> stored = new HashSet<>(walk(http, "abuse-hostile", walkErrors));
            stored.addAll(walk(http, LargeLoad.CORRELATION, walkErrors));
            String log = Files.readString(server.logFile());

            System.out.printf(
                    "Abuse suite: %d distinct hostile inputs, %d hostile requests, answers by status %s, %d 5xx;"
                            + " slow uploads %s; /healthz %d samples, max %d ms, misses %s; normal client %d events,"
                            + " flush %s; %d ids must be stored, %d must not; heap in use at most %d MiB of 512; %d s%n",
                    ledger.distinctInputs(),
                    ledger.requests(),
                    ledger.byStatus(),
                    ledger.serverErrorCount(),
                    slowAnswers,
                    health.latencies().size(),
                    health.maxMillis(),
                    health.misses(),
                    normalIds.size(),
                    normalFlush,
                    ledger.mustBeStored().size(),
                    ledger.mustNotBeStored().size(),
                    health.maxHeapBytes() >> 20,
                    TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started));
            ledger.answers().forEach(a -> System.out.println("  " + a));
            walkErrors.forEach(e -> System.out.println("  paging failed: " + e));

            assertThat(ledger.serverErrors())
                    .as("5xx answers to hostile requests")
                    .isEmpty();
            assertThat(walkErrors).as("paging through what was stored").isEmpty();
            assertThat(refusedByStore)
                    .as("events the normal client's buffer refused")
                    .isZero();
            assertThat(ledger.noAnswer())
                    .as("hostile requests closed without an answer")
                    .isEmpty();
            assertThat(slowAnswers).as("slow uploads by answer").isEqualTo(Map.of(408, SLOW_UPLOADS));
            assertThat(health.misses()).as("/healthz not 200 within 1 s").isEmpty();
            assertThat(health.latencies()).hasSizeGreaterThan(10);
            assertThat(stored).as("every item of an accepted batch").containsAll(ledger.mustBeStored());
            assertThat(stored)
                    .as("nothing of a refused batch, no rejected item")
                    .doesNotContainAnyElementsOf(ledger.mustNotBeStored());
            assertThat(normalFlush.allAcked()).as(normalFlush.toString()).isTrue();
            assertThat(storedNormal).as("the normal client's events").isEqualTo(normalIds);
            assertThat(aliveAfterLoad && server.isAlive())
                    .as("DataStorage alive")
                    .isTrue();
            assertThat(log).doesNotContain("OutOfMemoryError");
        }
    }
}
