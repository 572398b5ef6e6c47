package dev.auditline.auditctl;

import dev.auditline.api.AuditEvent;
import dev.auditline.client.AuditClientConfig;
import dev.auditline.client.BufferedAuditStore;
import dev.auditline.client.FlushReport;
import dev.auditline.spool.EventBatchCodec;
import dev.auditline.spool.ReplayResult;
import dev.auditline.spool.Spool;
import dev.auditline.spool.SpoolConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * Sends what a spool holds to DataStorage through the audit client itself ({@link
 * BufferedAuditStore}: the same batching, retries, auth and limits a service uses) and deletes a
 * segment only once every record in it was acknowledged. A record counts as delivered only when
 * every one of its events was acked (created or duplicate: event ids make a repeated replay
 * harmless); on anything else the replay stops there and the record stays on disk.
 */
@Command(
        name = "replay",
        mixinStandardHelpOptions = true,
        description = {
            "Sends every event in a client spool to DataStorage (--url) and removes what was stored."
                    + " Safe to repeat: DataStorage ignores event ids it already has.",
            "The service that owns the spool must be stopped (the spool is locked while it runs)."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  auditctl spool replay /var/lib/orchestrator/audit-spool --url http://datastorage:8080",
            "  auditctl --token-file /etc/auditline/token spool replay ./audit-spool --url https://audit.example"
        })
final class SpoolReplayCommand implements Callable<Integer> {
    @ParentCommand
    SpoolCommand spoolCommand;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "The spool directory (audit.spool.dir).")
    Path dir;

    @Option(
            names = "--record-timeout",
            paramLabel = "DURATION",
            description = "Longest wait for one record's events to be acknowledged, retries included"
                    + " (default ${DEFAULT-VALUE}).")
    Duration recordTimeout = Duration.ofMinutes(2);

    @Override
    public Integer call() throws IOException {
        Auditctl root = spoolCommand.root;
        Path segments = SpoolDirectory.segments(dir);
        AuditClientConfig config = AuditClientConfig.builder()
                .datastorageUrl(root.url)
                .serviceName("auditctl-spool-replay")
                .tokenFile(root.tokenFile)
                .build();
        long[] events = new long[1];
        String[] stoppedBecause = new String[1];
        ReplayResult result;
        try (Spool spool = openSpool(segments);
                BufferedAuditStore store = BufferedAuditStore.create(config)) {
            spool.seal();
            result = spool.replay(payload -> {
                List<AuditEvent> batch;
                try {
                    batch = EventBatchCodec.decode(payload);
                } catch (IOException e) {
                    stoppedBecause[0] =
                            "a record is not a batch of events (" + e.getMessage() + "); see auditctl spool inspect";
                    return false;
                }
                for (AuditEvent e : batch) {
                    if (!store.store(e)) {
                        stoppedBecause[0] = "the client buffer refused event " + e.eventId();
                        return false;
                    }
                }
                FlushReport report = store.flush(recordTimeout);
                if (!report.allAcked()) {
                    stoppedBecause[0] = describe(report);
                    return false;
                }
                events[0] += batch.size();
                return true;
            });
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println("replayed " + result.deliveredRecords() + " record(s), " + events[0] + " event(s) to " + root.url
                + "; " + result.deletedSegments() + " segment(s) removed");
        out.flush();
        if (!result.drained()) {
            throw new CommandFailure(
                    ExitCodes.SERVER_ERROR,
                    "replay stopped, the rest stays in " + dir + ": "
                            + (stoppedBecause[0] == null ? "the spool was not drained" : stoppedBecause[0]));
        }
        return ExitCodes.OK;
    }

    private static Spool openSpool(Path segments) {
        try {
            return Spool.open(SpoolConfig.of(segments));
        } catch (IOException e) {
            throw new CommandFailure(
                    ExitCodes.USAGE,
                    "cannot open the spool in " + segments + " (is its service still running?): " + e.getMessage(),
                    e);
        }
    }

    static String describe(FlushReport r) {
        return "DataStorage did not acknowledge a record: " + r.acked() + " acked, " + r.rejected()
                + " rejected as invalid, " + r.dropped() + " dropped after retries, " + r.pending()
                + " pending" + (r.timedOut() ? " (timed out)" : "");
    }
}
