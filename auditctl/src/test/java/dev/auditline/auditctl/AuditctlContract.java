package dev.auditline.auditctl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.auditline.api.AuditEvent;
import dev.auditline.api.json.AuditJson;
import dev.auditline.datastorage.config.StorageSettings;
import dev.auditline.spool.EventBatchCodec;
import dev.auditline.spool.Spool;
import dev.auditline.spool.SpoolConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every subcommand and output format against a real DataStorage over loopback HTTP; a subclass
 * names the store. The seeded data: one remediation trail of five steps (a child step nested under
 * its parent, one failure, hostile text in a field), and a second trail by another actor.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
abstract class AuditctlContract {
    TestServer server;
    String url;
    String trail;
    String otherTrail;
    final List<ObjectNode> trailEvents = new ArrayList<>();
    final List<ObjectNode> otherEvents = new ArrayList<>();
    Instant base;

    abstract StorageSettings storage(Path dir);

    void afterServerStopped() {}

    @BeforeAll
    void seed(@TempDir Path dir) {
        server = new TestServer(storage(dir));
        url = server.url();
        trail = "rr-" + UUID.randomUUID();
        otherTrail = "rr-" + UUID.randomUUID();
        base = Instant.now().minus(10, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.MICROS);
        ObjectNode requested = TestEvents.event(trail, base, "orchestrator.remediation.requested", "success");
        ObjectNode approval =
                TestEvents.event(trail, base.plusMillis(1500), "orchestrator.approval.requested", "pending");
        ObjectNode approved = TestEvents.event(trail, base.plusSeconds(30), "orchestrator.approval.granted", "success");
        approved.put("parent_event_id", TestEvents.id(approval));
        approved.put("actor_type", "user");
        approved.put("actor_id", "=HYPERLINK(\"http://evil\",\"oncall, \"\"lead\"\"\")");
        ObjectNode failed = TestEvents.event(trail, base.plusSeconds(95), "orchestrator.workflow.failed", "failure");
        failed.put("error_code", "E_TIMEOUT");
        failed.put("error_message", "job ran out of time\nafter 60 s");
        ObjectNode closed = TestEvents.event(trail, base.plusSeconds(96), "orchestrator.remediation.closed", "success");
        trailEvents.addAll(List.of(requested, approval, approved, failed, closed));
        for (int i = 0; i < 3; i++) {
            ObjectNode e =
                    TestEvents.event(otherTrail, base.plusSeconds(200 + i), "scanner.finding.created", "success");
            e.put("actor_id", "scanner");
            e.put("resource_type", "finding");
            e.put("event_category", "security");
            otherEvents.add(e);
        }
        server.store(trailEvents);
        server.store(otherEvents);
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
        afterServerStopped();
    }

    Set<String> ids(List<ObjectNode> events) {
        return events.stream().map(TestEvents::id).collect(Collectors.toCollection(LinkedHashSet::new));
    }

    static List<String> ndjsonIds(String out) {
        List<String> ids = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (!line.isBlank()) {
                ids.add(json(line).get("event_id").asText());
            }
        }
        return ids;
    }

    static JsonNode json(String text) {
        try {
            return AuditJson.mapper().readTree(text);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    String since() {
        return AuditJson.formatTimestamp(base.minusSeconds(1));
    }

    @Test
    void queryPrintsNdjsonWhenPipedInEventTimeOrder() {
        Cli cli = Cli.run(url, "query", "--correlation-id", trail);

        assertThat(cli.code()).isZero();
        assertThat(ndjsonIds(cli.out())).containsExactlyElementsOf(ids(trailEvents));
    }

    @Test
    void queryAsJsonIsOneDocument() {
        Cli cli = Cli.run(url, "query", "--correlation-id", trail, "--order", "desc", "-o", "json");

        assertThat(cli.code()).isZero();
        List<String> got = new ArrayList<>();
        json(cli.out()).get("events").forEach(e -> got.add(e.get("event_id").asText()));
        List<String> expected = new ArrayList<>(ids(trailEvents));
        java.util.Collections.reverse(expected);
        assertThat(got).containsExactlyElementsOf(expected);
    }

    @Test
    void queryAsCsvHasTheFixedHeaderQuotingAndFormulaGuard() {
        Cli cli = Cli.run(url, "query", "--correlation-id", trail, "-o", "csv");

        assertThat(cli.code()).isZero();
        assertThat(cli.out()).startsWith(CsvEvents.HEADER);
        List<List<String>> rows = Csv.parse(cli.out());
        assertThat(rows).hasSize(1 + trailEvents.size());
        assertThat(rows.get(0)).containsExactlyElementsOf(CsvEvents.COLUMNS);
        int actor = CsvEvents.COLUMNS.indexOf("actor_id");
        int error = CsvEvents.COLUMNS.indexOf("error_message");
        int data = CsvEvents.COLUMNS.indexOf("event_data");
        assertThat(rows.get(3).get(actor)).isEqualTo("'=HYPERLINK(\"http://evil\",\"oncall, \"\"lead\"\"\")");
        assertThat(rows.get(4).get(error)).isEqualTo("job ran out of time\nafter 60 s");
        assertThat(json(rows.get(1).get(data)).get("step").asText()).isEqualTo("orchestrator.remediation.requested");
        assertThat(rows.stream().skip(1).map(r -> r.get(0))).containsExactlyElementsOf(ids(trailEvents));
    }

    @Test
    void queryAsTableShowsColumnsAndCleansControlCharacters() {
        Cli cli = Cli.run(url, "query", "--correlation-id", trail, "-o", "table");

        assertThat(cli.code()).isZero();
        assertThat(cli.lines().get(0)).startsWith("EVENT_TIMESTAMP").contains("EVENT_TYPE", "ACTOR_ID");
        assertThat(cli.lines()).hasSize(1 + trailEvents.size());
        assertThat(cli.out()).contains("orchestrator.workflow.failed", "failure");
    }

    @Test
    void queryAppliesEveryFilter() {
        String since = since();
        record Case(List<String> args, Set<String> expected) {}
        ObjectNode failed = trailEvents.get(3);
        List<Case> cases = List.of(
                new Case(List.of("--correlation-id", otherTrail), ids(otherEvents)),
                new Case(
                        List.of("--event-type", "orchestrator.approval.granted", "--correlation-id", trail),
                        Set.of(TestEvents.id(trailEvents.get(2)))),
                new Case(List.of("--event-category", "security", "--since", since), ids(otherEvents)),
                new Case(
                        List.of("--event-outcome", "failure", "--correlation-id", trail),
                        Set.of(TestEvents.id(failed))),
                new Case(List.of("--actor-id", "scanner", "--since", since), ids(otherEvents)),
                new Case(List.of("--resource-type", "finding", "--since", since), ids(otherEvents)),
                new Case(List.of("--resource-id", trail), ids(trailEvents)),
                new Case(
                        List.of(
                                "--correlation-id",
                                trail,
                                "--since",
                                AuditJson.formatTimestamp(base.plusSeconds(30)),
                                "--until",
                                AuditJson.formatTimestamp(base.plusSeconds(96))),
                        Set.of(TestEvents.id(trailEvents.get(2)), TestEvents.id(failed))));
        for (Case c : cases) {
            List<String> args = new ArrayList<>(List.of("query", "-o", "ndjson", "--limit", "1000"));
            args.addAll(c.args());
            Cli cli = Cli.run(url, args.toArray(String[]::new));
            assertThat(cli.code()).as(c.args().toString()).isZero();
            assertThat(new LinkedHashSet<>(ndjsonIds(cli.out())))
                    .as(c.args().toString())
                    .containsExactlyInAnyOrderElementsOf(c.expected());
        }
    }

    @Test
    void queryShowsOnePageAndTheNextCursorThenAllFollowsCursors() {
        Cli first = Cli.run(url, "query", "--correlation-id", trail, "--limit", "2");
        assertThat(ndjsonIds(first.out())).containsExactlyElementsOf(new ArrayList<>(ids(trailEvents)).subList(0, 2));
        assertThat(first.err()).startsWith("more events: add --cursor ");
        String cursor = first.err().trim().split(" ")[4];

        Cli second = Cli.run(url, "query", "--correlation-id", trail, "--limit", "2", "--cursor", cursor);
        assertThat(ndjsonIds(second.out())).containsExactlyElementsOf(new ArrayList<>(ids(trailEvents)).subList(2, 4));

        Cli all = Cli.run(url, "query", "--correlation-id", trail, "--limit", "2", "--all");
        assertThat(all.code()).isZero();
        assertThat(ndjsonIds(all.out())).containsExactlyElementsOf(ids(trailEvents));
        assertThat(all.err()).isEmpty();
    }

    @Test
    void queryWithABadFilterValueExitsWith3AndTheServersReason() {
        Cli cli = Cli.run(url, "query", "--event-outcome", "maybe");

        assertThat(cli.code()).isEqualTo(ExitCodes.SERVER_ERROR);
        assertThat(cli.err())
                .startsWith("auditctl: GET /api/v1/audit/events: 400")
                .contains("event_outcome");
        assertThat(cli.err().strip()).doesNotContain("\n");
    }

    @Test
    void getPrintsTheStoredEventAndExits1WhenAbsent() {
        String id = TestEvents.id(trailEvents.get(3));
        Cli found = Cli.run(url, "get", id);
        assertThat(found.code()).isZero();
        JsonNode e = json(found.out());
        assertThat(e.get("event_id").asText()).isEqualTo(id);
        assertThat(e.get("error_code").asText()).isEqualTo("E_TIMEOUT");
        assertThat(e.has("ingested_at")).isTrue();

        Cli csv = Cli.run(url, "get", id, "-o", "csv");
        assertThat(Csv.parse(csv.out())).hasSize(2);

        String absent = UUID.randomUUID().toString();
        Cli missing = Cli.run(url, "get", absent);
        assertThat(missing.code()).isEqualTo(ExitCodes.FINDING);
        assertThat(missing.err()).isEqualTo("auditctl: no event " + absent + System.lineSeparator());
    }

    @Test
    void trailShowsTheTimelineWithOffsetsNestingAndTheFailureMarked() {
        Cli cli = Cli.run(url, "trail", trail);

        assertThat(cli.code()).isZero();
        List<String> lines = cli.lines();
        assertThat(lines.get(0)).isEqualTo("trail " + trail + ": 5 events over 1m36.000s, 1 failure");
        assertThat(lines.get(1)).contains("TIME", "OFFSET", "TYPE", "ACTOR", "RESOURCE", "OUTCOME");
        assertThat(lines).hasSize(7);
        assertThat(lines.get(2)).contains("+0.000s", "orchestrator.remediation.requested");
        int type = lines.get(1).indexOf("TYPE");
        assertThat(lines.get(3)).contains("+1.500s");
        assertThat(lines.get(3).substring(type)).startsWith("orchestrator.approval.requested ");
        assertThat(lines.get(4)).contains("+30.000s");
        assertThat(lines.get(4).substring(type)).startsWith("  orchestrator.approval.granted ");
        assertThat(lines.get(5)).startsWith("!").contains("+1m35.000s", "failure (E_TIMEOUT)");
        assertThat(lines.stream().filter(l -> l.startsWith("!"))).hasSize(1);
        assertThat(cli.out()).doesNotContain("\u001b[");

        Cli coloured = Cli.run(url, "trail", trail, "--color", "always");
        assertThat(coloured.out()).contains(Timeline.RED + "!").contains(Timeline.RESET);
    }

    @Test
    void trailOfAnUnknownCorrelationIdExits1() {
        Cli cli = Cli.run(url, "trail", "no-such-trail-" + UUID.randomUUID());

        assertThat(cli.code()).isEqualTo(ExitCodes.FINDING);
        assertThat(cli.out()).startsWith("no events with correlation_id no-such-trail-");
    }

    @Test
    void exportWritesTheFileAndAManifestWithCountAndSha256(@TempDir Path dir) throws Exception {
        for (String format : List.of("ndjson", "csv")) {
            Path out = dir.resolve("export." + format);
            Cli cli = Cli.run(
                    url,
                    "export",
                    "--since",
                    since(),
                    "--until",
                    AuditJson.formatTimestamp(base.plusSeconds(300)),
                    "--actor-id",
                    "remediation-orchestrator",
                    "--correlation-id",
                    trail,
                    "--format",
                    format,
                    "--out",
                    out.toString());

            assertThat(cli.code()).as(cli.err()).isZero();
            byte[] file = Files.readAllBytes(out);
            JsonNode manifest = json(Files.readString(dir.resolve("export." + format + ".manifest.json")));
            // the approval step's actor is a user, so the filter leaves four of five
            assertThat(manifest.get("count").asLong()).isEqualTo(4);
            assertThat(manifest.get("sha256").asText())
                    .isEqualTo(HexFormat.of()
                            .formatHex(MessageDigest.getInstance("SHA-256").digest(file)));
            assertThat(manifest.get("filters").get("actor_id").asText()).isEqualTo("remediation-orchestrator");
            assertThat(manifest.get("filters").get("correlation_id").asText()).isEqualTo(trail);
            assertThat(manifest.get("time_range").get("since").asText()).isEqualTo(since());
            assertThat(manifest.get("server_url").asText()).isEqualTo(url);
            assertThat(manifest.get("format").asText()).isEqualTo(format);
            assertThat(manifest.has("created_at")).isTrue();
            // the covering checkpoint: a signed note whose tree holds at least the five trail events
            assertThat(manifest.get("checkpoint").isTextual())
                    .as(manifest.toString())
                    .isTrue();
            assertThat(CoveringCheckpoint.treeSize(manifest.get("checkpoint").asText()))
                    .isGreaterThanOrEqualTo(trailEvents.size());
            String text = new String(file, StandardCharsets.UTF_8);
            List<String> expected = new ArrayList<>(ids(trailEvents));
            expected.remove(TestEvents.id(trailEvents.get(2)));
            if (format.equals("ndjson")) {
                assertThat(ndjsonIds(text)).containsExactlyElementsOf(expected);
            } else {
                assertThat(Csv.parse(text).stream().skip(1).map(r -> r.get(0))).containsExactlyElementsOf(expected);
            }
            assertThat(cli.err()).contains("exported 4 events to " + out);
            assertThat(Files.exists(dir.resolve("export." + format + ".part"))).isFalse();
        }
    }

    @Test
    void exportNeedsSinceUntilAndOut() {
        Cli cli = Cli.run(url, "export", "--since", "1h");

        assertThat(cli.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(cli.err()).contains("Missing required options", "--until", "--out");
    }

    @Test
    void spoolInspectReportsRecordsEventsAndTornTailsWithoutChangingTheSpool(@TempDir Path dir) throws Exception {
        String spoolTrail = "spool-" + UUID.randomUUID();
        List<AuditEvent> first = spoolEvents(spoolTrail, 0, 3);
        List<AuditEvent> second = spoolEvents(spoolTrail, 3, 2);
        Path segments = dir.resolve("segments");
        try (Spool spool = Spool.open(SpoolConfig.of(segments))) {
            spool.append(EventBatchCodec.encode(first));
            spool.append(EventBatchCodec.encode(second));
        }
        Path segment;
        try (Stream<Path> files = Files.list(segments)) {
            segment =
                    files.filter(p -> p.toString().endsWith(".log")).findFirst().orElseThrow();
        }
        // a crash in the middle of the next record: its length header and half a payload
        Files.write(segment, new byte[] {0, 0, 0, 100, 1, 2, 3, 4, 9, 9, 9}, StandardOpenOption.APPEND);
        byte[] before = Files.readAllBytes(segment);

        Cli cli = Cli.run(url, "spool", "inspect", dir.toString(), "-o", "json");

        assertThat(cli.code()).as(cli.err()).isZero();
        JsonNode f = json(cli.out());
        assertThat(f.get("records").asLong()).isEqualTo(2);
        assertThat(f.get("events").asLong()).isEqualTo(5);
        assertThat(f.get("segments").asInt()).isEqualTo(1);
        assertThat(f.get("bytes").asLong()).isEqualTo(before.length);
        assertThat(f.get("torn_records").asLong()).isEqualTo(1);
        assertThat(f.get("truncated_bytes").asLong()).isEqualTo(11);
        assertThat(Instant.parse(f.get("oldest").asText()))
                .isEqualTo(first.get(0).eventTimestamp());
        assertThat(Instant.parse(f.get("newest").asText()))
                .isEqualTo(second.get(1).eventTimestamp());
        assertThat(Files.readAllBytes(segment)).isEqualTo(before);

        Cli text = Cli.run(url, "spool", "inspect", dir.toString());
        assertThat(text.out()).contains("records:   2 in 1 segment file(s)", "events:    5", "torn:      1 record(s)");
    }

    @Test
    void spoolReplaySendsEveryEventAndEmptiesTheSpool(@TempDir Path dir) throws Exception {
        String spoolTrail = "spool-" + UUID.randomUUID();
        List<AuditEvent> first = spoolEvents(spoolTrail, 0, 3);
        List<AuditEvent> second = spoolEvents(spoolTrail, 3, 4);
        try (Spool spool = Spool.open(SpoolConfig.of(dir.resolve("segments")))) {
            spool.append(EventBatchCodec.encode(first));
            spool.append(EventBatchCodec.encode(second));
        }

        Cli cli = Cli.run(url, "spool", "replay", dir.toString());

        assertThat(cli.code()).as(cli.err()).isZero();
        assertThat(cli.out()).startsWith("replayed 2 record(s), 7 event(s) to " + url + "; 1 segment(s) removed");
        Cli stored = Cli.run(url, "query", "--correlation-id", spoolTrail, "-o", "ndjson");
        List<String> expected = Stream.concat(first.stream(), second.stream())
                .map(e -> e.eventId().toString())
                .toList();
        assertThat(ndjsonIds(stored.out())).containsExactlyElementsOf(expected);
        Cli again = Cli.run(url, "spool", "inspect", dir.toString(), "-o", "json");
        assertThat(json(again.out()).get("records").asLong()).isZero();
        Cli replayAgain = Cli.run(url, "spool", "replay", dir.toString());
        assertThat(replayAgain.out()).startsWith("replayed 0 record(s), 0 event(s)");
    }

    @Test
    void spoolReplayToADeadServerStopsAndKeepsTheRecords(@TempDir Path dir) throws Exception {
        List<AuditEvent> events = spoolEvents("spool-" + UUID.randomUUID(), 0, 2);
        try (Spool spool = Spool.open(SpoolConfig.of(dir.resolve("segments")))) {
            spool.append(EventBatchCodec.encode(events));
        }

        Cli cli = Cli.run("http://127.0.0.1:1", "spool", "replay", dir.toString(), "--record-timeout", "PT20S");

        assertThat(cli.code()).isEqualTo(ExitCodes.SERVER_ERROR);
        assertThat(cli.out()).startsWith("replayed 0 record(s)");
        assertThat(cli.err()).startsWith("auditctl: replay stopped, the rest stays in " + dir);
        assertThat(json(Cli.run(url, "spool", "inspect", dir.toString(), "-o", "json")
                                .out())
                        .get("events")
                        .asLong())
                .isEqualTo(2);
    }

    @Test
    void tailFollowsCommitOrderAcrossADataStorageRestartWithoutGapOrRepeat() throws Exception {
        String tailTrail = "tail-" + UUID.randomUUID();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int[] code = {-1};
        Thread tail = new Thread(
                () -> code[0] = Auditctl.run(
                        new String[] {"--url", url, "tail", "-f", "--correlation-id", tailTrail},
                        new PrintWriter(out, true),
                        new PrintWriter(err, true)),
                "tail-under-test");
        // from the start of the log, not --new: the trail is new, so the filter leaves only this test's
        // events, and the events cannot commit before a slow-starting tail has read the log's end
        tail.start();
        try {
            List<ObjectNode> before = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                before.add(TestEvents.event(tailTrail, base.plusSeconds(400 + i), "tail.before.restart", "success"));
            }
            // other trails' events are in the log too; the filter leaves them out
            server.store(List.of(TestEvents.event("other-" + UUID.randomUUID(), base, "tail.noise.event", "success")));
            server.store(before);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> ndjsonIds(out.toString()).size() == 3);

            server.stop();
            await().atMost(Duration.ofSeconds(60)).until(() -> err.toString().contains("retrying in"));
            server.start();
            List<ObjectNode> after = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                // older than the first batch by event time: tail prints in commit order, so it still comes last
                after.add(TestEvents.event(tailTrail, base.plusSeconds(i), "tail.after.restart", "success"));
            }
            server.store(after.subList(0, 2));
            server.store(after.subList(2, 4));
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> ndjsonIds(out.toString()).size() >= 7);

            List<String> expected = new ArrayList<>(ids(before));
            expected.addAll(ids(after));
            assertThat(ndjsonIds(out.toString())).containsExactlyElementsOf(expected);
        } finally {
            tail.interrupt();
            tail.join(Duration.ofSeconds(30).toMillis());
        }
        assertThat(tail.isAlive()).isFalse();
        assertThat(code[0]).isZero();
        assertThat(err.toString()).contains("auditctl: reconnected, resuming after log index ");
        assertThat(err.toString()).contains("auditctl: stopped after log index ");

        Cli all = Cli.run(url, "tail", "--correlation-id", tailTrail);
        assertThat(all.code()).isZero();
        assertThat(ndjsonIds(all.out())).hasSize(7);
        Cli csv = Cli.run(url, "tail", "--correlation-id", tailTrail, "-o", "csv");
        assertThat(Csv.parse(csv.out())).hasSize(8);
    }

    private List<AuditEvent> spoolEvents(String correlationId, int from, int count) {
        List<AuditEvent> out = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            Instant at = base.plusSeconds(i);
            out.add(AuditEvent.builder()
                    .eventId(dev.auditline.api.UuidV7.forMillis(at.toEpochMilli()))
                    .eventType("service.thing.done")
                    .eventCategory("service")
                    .eventAction("done")
                    .eventOutcome(dev.auditline.api.EventOutcome.SUCCESS)
                    .eventTimestamp(at)
                    .correlationId(correlationId)
                    .actor("service", "spooling-service")
                    .resource("thing", "t-" + i)
                    .build());
        }
        return out;
    }
}
