package dev.auditline.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.EventOutcome;
import dev.auditline.client.AuditClientStats;
import dev.auditline.client.BufferedAuditStore;
import dev.auditline.client.CloseReport;
import dev.auditline.client.FlushReport;
import dev.auditline.datastorage.DataStorage;
import dev.auditline.datastorage.store.TestPostgres;
import dev.auditline.spool.EventBatchCodec;
import dev.auditline.spool.RecoveryReport;
import dev.auditline.spool.Spool;
import dev.auditline.spool.SpoolConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client spool segment torn mid-record before the next start (DESIGN §5): a client spools all its
 * events while DataStorage is down and closes, the test cuts the last sealed segment file in the
 * middle of its last record, and a new client on the same directory recovers and replays. Every
 * complete record's events end up in PostgreSQL exactly once; the events of the torn record are
 * the only ones missing, and recovery neither crashes nor loops.
 */
class TornSpoolSegmentIT {
    private static final String ID = "torn-spool-segment";
    private static final int THREADS = 4;
    private static final int EVENTS = 50_000;
    private static final int BATCH = 500;
    /** Segments of {@code max_bytes / 8} = 4 MiB: the events fill several, the last one gets torn. */
    private static final long SPOOL_MAX_BYTES = 32L << 20;

    private static final int HEADER_BYTES = 16;
    private static final int RECORD_HEADER_BYTES = 8;

    @TempDir
    Path spoolDir;

    @TempDir
    Path copyDir;

    /** One record of a segment file: where it starts, its payload size and its events' ids. */
    private record SpoolRecord(long offset, int payloadBytes, List<UUID> ids) {}

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void recoveryKeepsEveryCompleteRecordOfATornSegment() throws Exception {
        TestPostgres.Database db = TestPostgres.shared().createDatabase();
        AuditDatabase database = new AuditDatabase(db);
        int port = Servers.freePort(); // nothing listens there until DataStorage starts
        String url = "http://127.0.0.1:" + port;
        long startNanos = System.nanoTime();
        Instant startedAt = Instant.now();

        // 1. Everything goes to the spool: DataStorage is not there and no retry is allowed.
        Set<UUID> stored = ConcurrentHashMap.newKeySet();
        AuditClientStats first;
        CloseReport firstClose;
        try (BufferedAuditStore store = BufferedAuditStore.create(config(url))) {
            List<Thread> producers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                Thread p = new Thread(() -> produce(store, thread, stored), "e2e-producer-" + ID + "-" + t);
                p.start();
                producers.add(p);
            }
            for (Thread p : producers) {
                p.join(TimeUnit.MINUTES.toMillis(2));
            }
            FlushReport flushed = store.flush(Duration.ofMinutes(2));
            assertThat(flushed.timedOut()).as("flush: %s", flushed).isFalse();
            first = store.stats();
            firstClose = store.close(Duration.ofSeconds(30));
        }
        assertThat(stored).hasSize(EVENTS);
        assertThat(first.unaccounted()).as("identity: %s", first).isZero();
        assertThat(first.droppedTotal()).as("nothing dropped: %s", first).isZero();
        assertThat(firstClose.spooled()).as("close report: %s", firstClose).isEqualTo(EVENTS);

        // 2. Tear the last sealed segment in the middle of its last record.
        Path segments = spoolDir.resolve("segments");
        List<Path> sealed;
        try (Stream<Path> files = Files.list(segments)) {
            sealed = files.filter(p -> p.getFileName().toString().matches("segment-\\d{20}\\.log"))
                    .sorted()
                    .toList();
        }
        assertThat(sealed).as("sealed segments in %s", segments).hasSizeGreaterThan(1);
        Map<Path, List<SpoolRecord>> records = new LinkedHashMap<>();
        for (Path segment : sealed) {
            records.put(segment, readRecords(segment));
        }
        Path torn = sealed.get(sealed.size() - 1);
        List<SpoolRecord> tornSegmentRecords = records.get(torn);
        SpoolRecord tornRecord = tornSegmentRecords.get(tornSegmentRecords.size() - 1);
        long sizeBefore = Files.size(torn);
        long cutAt = tornRecord.offset() + RECORD_HEADER_BYTES + tornRecord.payloadBytes() / 2;
        try (FileChannel ch = FileChannel.open(torn, StandardOpenOption.WRITE)) {
            ch.truncate(cutAt);
            ch.force(true);
        }
        long tornBytes = cutAt - tornRecord.offset();
        Set<UUID> complete = new HashSet<>();
        long completeRecords = 0;
        for (List<SpoolRecord> rs : records.values()) {
            for (SpoolRecord r : rs) {
                if (r != tornRecord) {
                    complete.addAll(r.ids());
                    completeRecords++;
                }
            }
        }
        Set<UUID> lost = new HashSet<>(tornRecord.ids());
        assertThat(complete).doesNotContainAnyElementsOf(lost);
        assertThat(complete.size() + lost.size())
                .as("every stored event is in exactly one record")
                .isEqualTo(EVENTS);
        assertThat(new HashSet<>(stored)).isEqualTo(union(complete, lost));

        // What the spool library's own recovery makes of it, on a copy (the client recovers the original).
        for (Path segment : sealed) {
            Files.copy(segment, copyDir.resolve(segment.getFileName()));
        }
        RecoveryReport recovery;
        try (Spool copy = Spool.open(SpoolConfig.of(copyDir).withMaxBytes(SPOOL_MAX_BYTES))) {
            recovery = copy.stats().recovery();
        }
        assertThat(recovery.truncatedSegments()).as("recovery: %s", recovery).isEqualTo(1);
        assertThat(recovery.truncatedBytes()).as("recovery: %s", recovery).isEqualTo(tornBytes);
        assertThat(recovery.records()).as("recovery: %s", recovery).isEqualTo(completeRecords);

        // 3. DataStorage comes up; a new client on the same directory recovers and replays.
        try (DataStorage server = DataStorage.start(Servers.config(db, port), Clock.systemUTC());
                BufferedAuditStore second = BufferedAuditStore.create(config(url))) {
            long replayStart = System.nanoTime();
            await("the new client replayed what the torn spool kept")
                    .atMost(Duration.ofMinutes(2))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> second.stats().spool().recoveredPendingRecords() == 0);
            Duration drain = Duration.ofNanos(System.nanoTime() - replayStart);
            AuditClientStats.SpoolSummary spool = second.stats().spool();
            AuditClientStats after = second.stats();
            second.close(Duration.ofSeconds(30));

            assertThat(spool.recoveredRecords())
                    .as("records the new client found: %s", spool)
                    .isEqualTo(completeRecords);
            assertThat(spool.recoveredAcked())
                    .as("events of the complete records acked: %s", spool)
                    .isEqualTo(complete.size());
            assertThat(spool.recoveredRejected() + spool.recoveredDropped()).isZero();
            assertThat(after.enqueued())
                    .as("the new client stored nothing itself")
                    .isZero();
            assertThat(after.unaccounted()).isZero();

            Set<UUID> inDatabase = new HashSet<>();
            long rows = 0;
            try (Connection c = db.connect();
                    Statement s = c.createStatement();
                    ResultSet r = s.executeQuery("SELECT event_id FROM audit_events")) {
                while (r.next()) {
                    inDatabase.add(UUID.fromString(r.getString(1)));
                    rows++;
                }
            }
            assertThat(rows).as("no event stored twice").isEqualTo(inDatabase.size());
            assertThat(inDatabase)
                    .as("exactly the events of the complete records")
                    .isEqualTo(complete);
            AuditDatabase.Counts counts = database.counts();
            Latencies commitLag = database.commitLag(startedAt);

            Map<String, Long> dropped = new LinkedHashMap<>();
            dropped.put("torn record, cut by recovery", (long) lost.size());
            ReliabilityReport.record(new ScenarioResult(
                            ID,
                            "Spool segment torn mid-record before restart",
                            EVENTS,
                            spool.recoveredAcked(),
                            first.spooled(),
                            spool.recoveredRejected(),
                            dropped,
                            counts.rows(),
                            counts.distinctIds(),
                            drain.toMillis(),
                            Latencies.NONE,
                            commitLag,
                            Duration.ofNanos(System.nanoTime() - startNanos).toSeconds(),
                            EVENTS + " events from " + THREADS + " threads went to the client"
                                    + " spool while no DataStorage listened: "
                                    + first.spool().pendingRecords() + " records in " + sealed.size()
                                    + " sealed segments after close(). The test cut the last segment ("
                                    + torn.getFileName() + ", " + sizeBefore + " bytes) to " + cutAt + " bytes, in the"
                                    + " middle of its last record ("
                                    + tornRecord.ids().size() + " events, "
                                    + tornRecord.payloadBytes()
                                    + " payload bytes). The spool's recovery (RecoveryReport, on a"
                                    + " copy) kept " + recovery.records() + " complete records in "
                                    + recovery.segments()
                                    + " segments and truncated " + recovery.truncatedBytes() + " bytes ("
                                    + recovery.truncatedRecords() + " partial record) of "
                                    + recovery.truncatedSegments()
                                    + " segment. A new client on the same spool.dir found " + spool.recoveredRecords()
                                    + " records and replayed them within " + drain.toMillis() + " ms of its start"
                                    + " (drain): " + spool.recoveredAcked()
                                    + " events acked, all in PostgreSQL exactly once"
                                    + " (the set of ids equals that of the complete records); the " + lost.size()
                                    + " events of the torn record are the only ones missing. They are not in the client's"
                                    + " dropped counters: the record is gone from disk, which the recovery report counts."
                                    + " Acked here = the new client's recovered_acked. Commit lag includes the time spent"
                                    + " in the spool.",
                            Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(),
                            ConfigDiff.describe(ConfigDiff.client(config(url))),
                            -1,
                            IdCheck.of(stored, inDatabase, rows))
                    .tunedBecause("the row shows the spool's recovery from a torn segment: every event goes to"
                            + " the spool after the shortest delivery_timeout allowed"));
        }
    }

    private dev.auditline.client.AuditClientConfig config(String url) {
        return ScenarioRun.defaults(url, ID)
                .batchSize(BATCH)
                // the shortest allowed: events wait this long for a server that is not there, then spool
                .deliveryTimeout(dev.auditline.client.AuditClientConfig.DEFAULT_FLUSH_INTERVAL.plus(
                        dev.auditline.client.AuditClientConfig.DEFAULT_TIMEOUT))
                .spoolDir(spoolDir)
                .spoolMaxBytes(SPOOL_MAX_BYTES)
                .build();
    }

    private static void produce(BufferedAuditStore store, int thread, Set<UUID> stored) {
        for (int i = thread; i < EVENTS; i += THREADS) {
            AuditEvent event = AuditEvent.builder()
                    .eventType("e2e.spool.torn")
                    .eventCategory("e2e")
                    .eventAction("torn")
                    .eventOutcome(EventOutcome.SUCCESS)
                    .correlationId(ID + "-" + i / 100)
                    .actor("service", "e2e-torn-" + thread)
                    .resource("load_item", ID + "-" + i)
                    .eventData(Map.of("n", i))
                    .eventTimestamp(Instant.now().truncatedTo(ChronoUnit.MICROS))
                    .build();
            stored.add(event.eventId());
            store.store(event);
        }
    }

    /** The records of a sealed segment (docs/spool.md: 16-byte header, then length | CRC32C | payload). */
    private static List<SpoolRecord> readRecords(Path segment) throws IOException {
        ByteBuffer file = ByteBuffer.wrap(Files.readAllBytes(segment));
        file.position(HEADER_BYTES);
        List<SpoolRecord> records = new ArrayList<>();
        while (file.remaining() >= RECORD_HEADER_BYTES) {
            long offset = file.position();
            int length = file.getInt();
            file.getInt(); // CRC32C, checked by the spool itself
            byte[] payload = new byte[length];
            file.get(payload);
            List<UUID> ids = new ArrayList<>();
            for (AuditEvent e : EventBatchCodec.decode(payload)) {
                ids.add(e.eventId());
            }
            records.add(new SpoolRecord(offset, length, ids));
        }
        assertThat(file.remaining()).as("%s ends on a record boundary", segment).isZero();
        return records;
    }

    private static Set<UUID> union(Set<UUID> a, Set<UUID> b) {
        Set<UUID> u = new HashSet<>(a);
        u.addAll(b);
        return u;
    }
}
