package dev.auditline.auditctl;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.auditline.api.AuditEvent;
import dev.auditline.api.json.AuditJson;
import dev.auditline.spool.EventBatchCodec;
import dev.auditline.spool.RecoveryReport;
import dev.auditline.spool.Spool;
import dev.auditline.spool.SpoolConfig;
import dev.auditline.spool.SpoolStats;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Reports what a spool holds without changing it. Opening a {@link Spool} repairs it (cuts torn
 * tails, seals open segments, sets unreadable files aside), so inspection opens a copy in a
 * temporary directory: the original stays byte for byte as the dead service left it, for a replay
 * or for forensics, and the repair report of the copy says what a replay would find.
 */
@Command(
        name = "inspect",
        mixinStandardHelpOptions = true,
        description = {
            "Shows what a client spool holds, without changing it: records, events, bytes, the oldest and"
                    + " newest event, and what is damaged (torn or corrupt records, files set aside)."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  auditctl spool inspect /var/lib/orchestrator/audit-spool",
            "  auditctl spool inspect /var/lib/orchestrator/audit-spool -o json | jq .events"
        })
final class SpoolInspectCommand implements Callable<Integer> {
    enum Format {
        text,
        json
    }

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "The spool directory (audit.spool.dir).")
    Path dir;

    @Option(
            names = {"-o", "--output"},
            paramLabel = "FORMAT",
            description = "text (default) or json.")
    Format output = Format.text;

    /** What the inspection found; a value so that tests can assert it whole. */
    record Findings(
            long records,
            long events,
            long bytes,
            int segments,
            Instant oldest,
            Instant newest,
            long undecodableRecords,
            long tornRecords,
            long truncatedBytes,
            int truncatedSegments,
            int corruptFiles,
            long rejectedEvents) {}

    @Override
    public Integer call() throws IOException {
        Findings f = inspect(dir);
        PrintWriter out = spec.commandLine().getOut();
        if (output == Format.json) {
            ObjectNode n = AuditJson.mapper().valueToTree(f);
            out.println(AuditJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(n));
        } else {
            out.println("spool " + dir);
            out.println("  records:   " + f.records() + " in " + f.segments() + " segment file(s), " + f.bytes()
                    + " bytes");
            out.println("  events:    " + f.events());
            out.println("  oldest:    " + (f.oldest() == null ? "-" : AuditJson.formatTimestamp(f.oldest())));
            out.println("  newest:    " + (f.newest() == null ? "-" : AuditJson.formatTimestamp(f.newest())));
            out.println("  torn:      " + f.tornRecords() + " record(s), " + f.truncatedBytes() + " bytes in "
                    + f.truncatedSegments() + " segment(s) would be cut by a replay");
            out.println("  corrupt:   " + f.corruptFiles() + " file(s) unreadable or set aside, "
                    + f.undecodableRecords() + " record(s) not a batch of events");
            out.println("  rejected:  " + f.rejectedEvents() + " event(s) DataStorage refused (rejected/)");
        }
        out.flush();
        return ExitCodes.OK;
    }

    static Findings inspect(Path dir) throws IOException {
        Path segments = SpoolDirectory.segments(dir);
        Path copy = Files.createTempDirectory("auditctl-spool-inspect");
        try {
            long bytes = 0;
            int files = 0;
            int setAside = 0;
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(segments)) {
                for (Path p : entries) {
                    String name = p.getFileName().toString();
                    if (!Files.isRegularFile(p) || name.equals(".lock")) {
                        continue;
                    }
                    if (name.endsWith(".corrupt")) {
                        setAside++;
                        continue;
                    }
                    Files.copy(p, copy.resolve(name));
                    if (name.endsWith(".log") || name.endsWith(".log.tmp")) {
                        bytes += Files.size(p);
                        files++;
                    }
                }
            }
            long[] counts = new long[2]; // events, undecodable records
            Instant[] range = new Instant[2];
            RecoveryReport recovery;
            long records;
            try (Spool spool = Spool.open(SpoolConfig.of(copy))) {
                SpoolStats stats = spool.stats();
                recovery = stats.recovery();
                records = stats.pendingRecords();
                spool.seal();
                spool.replay(payload -> {
                    List<AuditEvent> events;
                    try {
                        events = EventBatchCodec.decode(payload);
                    } catch (IOException | RuntimeException e) {
                        counts[1]++;
                        return true;
                    }
                    counts[0] += events.size();
                    for (AuditEvent e : events) {
                        Instant t = e.eventTimestamp();
                        if (range[0] == null || t.isBefore(range[0])) range[0] = t;
                        if (range[1] == null || t.isAfter(range[1])) range[1] = t;
                    }
                    return true;
                });
            }
            return new Findings(
                    records,
                    counts[0],
                    bytes,
                    files,
                    range[0],
                    range[1],
                    counts[1],
                    recovery.truncatedRecords(),
                    recovery.truncatedBytes(),
                    recovery.truncatedSegments(),
                    recovery.corruptFiles() + setAside,
                    rejectedEvents(dir));
        } finally {
            deleteRecursively(copy);
        }
    }

    /** Lines in the client's {@code rejected/*.jsonl}: one per event DataStorage refused. */
    private static long rejectedEvents(Path dir) throws IOException {
        Path rejected = dir.resolve("rejected");
        if (!Files.isDirectory(rejected)) {
            return 0;
        }
        long n = 0;
        try (Stream<Path> files = Files.list(rejected)) {
            for (Path p : files.filter(p -> p.toString().endsWith(".jsonl")).toList()) {
                try (Stream<String> lines = Files.lines(p)) {
                    n += lines.filter(l -> !l.isBlank()).count();
                }
            }
        }
        return n;
    }

    private static void deleteRecursively(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
