package dev.auditline.auditctl;

import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(
        name = "query",
        mixinStandardHelpOptions = true,
        description = {
            "Lists stored events matching filters, oldest first by event time (GET /api/v1/audit/events).",
            "Prints a table on a terminal and NDJSON when piped. Without --all it prints one page and,"
                    + " when there is more, the --cursor of the next page on stderr."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  auditctl query --correlation-id rr-2026-0042",
            "  auditctl query --actor-id remediation-orchestrator --since 24h --event-outcome failure",
            "  auditctl query --event-type orchestrator.approval.requested --order desc --limit 20",
            "  auditctl query --since 2026-01-01T00:00:00Z --until 2026-04-01T00:00:00Z --all -o csv > q1.csv",
            "  auditctl query --resource-id rr-2026-0042 -o ndjson | jq .event_type"
        })
final class QueryCommand implements Callable<Integer> {
    @ParentCommand
    Auditctl root;

    @Spec
    CommandSpec spec;

    @Mixin
    EventFilters filters;

    @Option(
            names = "--since",
            paramLabel = "TIME",
            description = "Events at or after TIME: RFC 3339 (2026-01-01T00:00:00Z) or an age (15m, 24h, 7d).")
    String since;

    @Option(names = "--until", paramLabel = "TIME", description = "Events before TIME (same forms as --since).")
    String until;

    @Option(names = "--order", paramLabel = "asc|desc", description = "By event time: asc (default) or desc.")
    String order;

    @Option(
            names = "--limit",
            paramLabel = "N",
            description = "Events per page, 1 to 1000 (the server's default is 100).")
    Integer limit;

    @Option(names = "--cursor", paramLabel = "CURSOR", description = "Continue after the page that gave CURSOR.")
    String cursor;

    @Option(names = "--all", description = "Follow the cursors and print every matching event.")
    boolean all;

    @Option(
            names = {"-o", "--output"},
            paramLabel = "FORMAT",
            converter = OutputFormat.Converter.class,
            description = "table, json, ndjson or csv (default: table on a terminal, ndjson when piped).")
    OutputFormat output;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        EventPrinter printer =
                new EventPrinter(output != null ? output : OutputFormat.defaultFor(Terminal.isTerminal()), out);
        EventPages pages = new EventPages(root.api());
        Map<String, String> query = query(filters, since, until, order, limit, cursor);
        if (all) {
            pages.forEach(query, printer::print, count -> {});
        } else {
            EventPages.Page page = pages.fetch(query);
            page.events().forEach(printer::print);
            if (page.nextCursor() != null) {
                printer.finish();
                spec.commandLine().getErr().println("more events: add --cursor " + page.nextCursor() + " (or --all)");
                return ExitCodes.OK;
            }
        }
        printer.finish();
        return ExitCodes.OK;
    }

    static Map<String, String> query(
            EventFilters filters, String since, String until, String order, Integer limit, String cursor) {
        Map<String, String> q = filters.toQuery();
        if (since != null) q.put("since", since);
        if (until != null) q.put("until", until);
        if (order != null) q.put("order", order);
        if (limit != null) q.put("limit", Integer.toString(limit));
        if (cursor != null) q.put("cursor", cursor);
        return q;
    }
}
