package dev.auditline.auditctl;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(
        name = "trail",
        mixinStandardHelpOptions = true,
        description = {
            "Shows every event of one correlation id as a timeline: time, offset from the first event,"
                    + " type (indented under its parent_event_id), actor, resource and outcome.",
            "Failed steps are marked with '!' and, on a terminal, shown in red."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  auditctl trail rr-2026-0042",
            "  auditctl trail rr-2026-0042 --color never | grep '^!'",
            "  auditctl --url https://datastorage.example:8080 --token-file ~/.auditline/token trail rr-2026-0042"
        })
final class TrailCommand implements Callable<Integer> {
    enum Colour {
        auto,
        always,
        never
    }

    @ParentCommand
    Auditctl root;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "CORRELATION_ID", description = "The correlation id to show.")
    String correlationId;

    @Option(names = "--color", paramLabel = "WHEN", description = "auto (default: on a terminal), always or never.")
    Colour colour = Colour.auto;

    @Override
    public Integer call() {
        Map<String, String> query = new LinkedHashMap<>();
        query.put("correlation_id", correlationId);
        query.put("order", "asc");
        query.put("limit", "1000");
        List<JsonNode> events = new ArrayList<>();
        new EventPages(root.api()).forEach(query, events::add, count -> {});
        boolean ansi = colour == Colour.always || (colour == Colour.auto && Terminal.isTerminal());
        spec.commandLine().getOut().print(Timeline.render(correlationId, events, ansi));
        spec.commandLine().getOut().flush();
        return events.isEmpty() ? ExitCodes.FINDING : ExitCodes.OK;
    }
}
