package dev.auditline.auditctl;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.auditline.api.json.AuditJson;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(
        name = "export",
        mixinStandardHelpOptions = true,
        description = {
            "Writes every event in a time range (and the filters) to FILE, oldest first, and a manifest"
                    + " beside it, FILE.manifest.json: the count, the file's SHA-256, the filters, the time"
                    + " range, the server, when it was made, and the signed checkpoint of the verifiable log"
                    + " that covers it.",
            "The file appears only when complete (written as FILE.part, then renamed). Progress goes to"
                    + " stderr on a terminal."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  auditctl export --since 2026-01-01T00:00:00Z --until 2026-04-01T00:00:00Z --format csv --out q1.csv",
            "  auditctl export --since 7d --until 0s --actor-id remediation-orchestrator --out week.ndjson",
            "  sha256sum q1.csv && jq .sha256 q1.csv.manifest.json"
        })
final class ExportCommand implements Callable<Integer> {
    enum Format {
        ndjson,
        csv
    }

    /** Events per request: the API's largest page. */
    static final int PAGE_SIZE = 1000;

    @ParentCommand
    Auditctl root;

    @Spec
    CommandSpec spec;

    @Mixin
    EventFilters filters;

    @Option(
            names = "--since",
            required = true,
            paramLabel = "TIME",
            description = "Start, inclusive: RFC 3339 or an age (7d).")
    String since;

    @Option(
            names = "--until",
            required = true,
            paramLabel = "TIME",
            description = "End, exclusive: RFC 3339 or an age (0s is now).")
    String until;

    @Option(names = "--format", paramLabel = "ndjson|csv", description = "ndjson (default) or csv.")
    Format format = Format.ndjson;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write the events.")
    Path out;

    @Option(
            names = "--checkpoint-wait",
            paramLabel = "DURATION",
            description = "How long to wait for a signed checkpoint that covers the export (default"
                    + " ${DEFAULT-VALUE}); without one the manifest's checkpoint is null.")
    Duration checkpointWait = Duration.ofSeconds(15);

    Clock clock = Clock.systemUTC();

    @Override
    public Integer call() throws IOException {
        Instant createdAt = clock.instant();
        String from = TimeArgument.resolve(since, createdAt);
        String to = TimeArgument.resolve(until, createdAt);
        Map<String, String> query = new LinkedHashMap<>(filters.toQuery());
        query.put("since", from);
        query.put("until", to);
        query.put("order", "asc");
        query.put("limit", Integer.toString(PAGE_SIZE));
        Path part = out.resolveSibling(out.getFileName() + ".part");
        MessageDigest sha256 = sha256();
        boolean progress = Terminal.isTerminal();
        PrintWriter err = spec.commandLine().getErr();
        long count;
        try (OutputStream file = Files.newOutputStream(part);
                DigestOutputStream digest = new DigestOutputStream(file, sha256);
                PrintWriter writer =
                        new PrintWriter(new BufferedWriter(new OutputStreamWriter(digest, StandardCharsets.UTF_8)))) {
            EventPrinter printer =
                    new EventPrinter(format == Format.csv ? OutputFormat.CSV : OutputFormat.NDJSON, writer);
            count = new EventPages(root.api()).forEach(query, printer::print, n -> {
                if (progress) {
                    err.print("\rexporting: " + n + " events");
                    err.flush();
                }
            });
            printer.finish();
            if (writer.checkError()) {
                throw new CommandFailure(ExitCodes.SERVER_ERROR, "writing " + part + " failed");
            }
        } catch (RuntimeException | IOException e) {
            Files.deleteIfExists(part);
            throw e;
        }
        Files.move(part, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Path manifest = out.resolveSibling(out.getFileName() + ".manifest.json");
        ObjectNode m = manifest(count, HexFormat.of().formatHex(sha256.digest()), from, to, createdAt);
        String checkpoint = CoveringCheckpoint.await(root.api(), checkpointWait);
        if (checkpoint == null) {
            err.println("auditctl: no signed checkpoint covers the export yet; the manifest's checkpoint is null");
        }
        m.put("checkpoint", checkpoint);
        Files.writeString(
                manifest,
                AuditJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(m) + "\n",
                StandardCharsets.UTF_8);
        if (progress) {
            err.print("\r");
        }
        err.println("exported " + count + (count == 1 ? " event" : " events") + " to " + out + " (manifest "
                + manifest.getFileName() + ")");
        return ExitCodes.OK;
    }

    private ObjectNode manifest(long count, String sha256Hex, String from, String to, Instant createdAt) {
        ObjectNode m = AuditJson.mapper().createObjectNode();
        m.put("file", out.getFileName().toString());
        m.put("format", format.name());
        m.put("count", count);
        m.put("sha256", sha256Hex);
        ObjectNode range = m.putObject("time_range");
        range.put("since", from);
        range.put("until", to);
        ObjectNode f = m.putObject("filters");
        filters.toQuery().forEach(f::put);
        m.put("server_url", root.api().baseUrl().toString());
        m.put("created_at", AuditJson.formatTimestamp(createdAt));
        return m;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new UncheckedIOException(new IOException("SHA-256 unavailable", e));
        }
    }
}
