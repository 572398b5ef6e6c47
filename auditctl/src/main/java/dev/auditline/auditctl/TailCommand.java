package dev.auditline.auditctl;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(
        name = "tail",
        mixinStandardHelpOptions = true,
        description = {
            "Prints events in the order DataStorage committed them (GET /api/v1/audit/log/entries), so an"
                    + " event that arrives late, with an old event_timestamp, is not missed.",
            "With -f it keeps waiting for new events; it survives dropped connections and DataStorage"
                    + " restarts, resuming after the last log index it printed (no gap, no repeat), and"
                    + " retries with a backoff of at most 5 s while DataStorage is down.",
            "Filters are applied here, on each event. Stop with Ctrl-C; the position to resume from is"
                    + " printed on stderr."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  auditctl tail -f",
            "  auditctl tail -f --new --event-outcome failure",
            "  auditctl tail --after 41999 -o ndjson > since-42000.ndjson",
            "  auditctl tail -f --correlation-id rr-2026-0042 -o csv"
        })
final class TailCommand implements Callable<Integer> {
    @ParentCommand
    Auditctl root;

    @Spec
    CommandSpec spec;

    @Mixin
    EventFilters filters;

    @Option(
            names = {"-f", "--follow"},
            description = "Keep waiting for new events (long poll) until interrupted.")
    boolean follow;

    @Option(
            names = "--after",
            paramLabel = "LOG_INDEX",
            description = "Start after this log index (default -1: the beginning of the log).")
    long after = -1;

    @Option(names = "--new", description = "Start at the end of the log: only events committed from now on.")
    boolean onlyNew;

    @Option(
            names = {"-o", "--output"},
            paramLabel = "FORMAT",
            converter = OutputFormat.Converter.class,
            description = "ndjson or csv (default ndjson; a table cannot stream, so table means ndjson).")
    OutputFormat output = OutputFormat.NDJSON;

    LogFollower.Sleeper sleeper = d -> Thread.sleep(d.toMillis());

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        LogFollower follower = new LogFollower(root.api(), after, sleeper, new LogFollower.Observer() {
            @Override
            public void retrying(String why, Duration backoff) {
                err.println("auditctl: " + why + "; retrying in " + backoff.toMillis() + " ms");
                err.flush();
            }

            @Override
            public void resumed(long position) {
                err.println("auditctl: reconnected, resuming after log index " + position);
                err.flush();
            }
        });
        OutputFormat format = output == OutputFormat.CSV ? OutputFormat.CSV : OutputFormat.NDJSON;
        EventPrinter printer = new EventPrinter(format, spec.commandLine().getOut());
        Thread hook = null;
        try {
            if (onlyNew) {
                follower = new LogFollower(root.api(), follower.lastIndex(), sleeper, follower.observer());
            }
            if (follow) {
                // Ctrl-C ends the JVM without unwinding this method: say where to resume from anyway
                LogFollower position = follower;
                hook = new Thread(() -> stopped(err, position), "auditctl-tail-position");
                Runtime.getRuntime().addShutdownHook(hook);
            }
            follower.run(follow, event -> {
                if (filters.matches(event)) {
                    printer.print(event);
                    spec.commandLine().getOut().flush();
                }
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            printer.finish();
            if (hook != null) {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                    stopped(err, follower);
                } catch (IllegalStateException shuttingDown) {
                    // the hook runs and says it
                }
            }
        }
        return ExitCodes.OK;
    }

    private static void stopped(PrintWriter err, LogFollower follower) {
        err.println("auditctl: stopped after log index " + follower.after() + " (resume with --after "
                + follower.after() + ")");
        err.flush();
    }
}
