package dev.auditline.auditctl;

import com.fasterxml.jackson.databind.JsonNode;
import dev.auditline.api.json.AuditJson;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(
        name = "get",
        mixinStandardHelpOptions = true,
        description = {
            "Prints one stored event by its event_id (GET /api/v1/audit/events/{event_id}), pretty JSON by"
                    + " default. Exits 1 when there is no such event."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  auditctl get 01936f8e-5a4b-7c3d-9e2f-1a2b3c4d5e6f",
            "  auditctl get 01936f8e-5a4b-7c3d-9e2f-1a2b3c4d5e6f -o ndjson | jq .event_data"
        })
final class GetCommand implements Callable<Integer> {
    @ParentCommand
    Auditctl root;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "EVENT_ID", description = "The event's UUID.")
    String eventId;

    @Option(
            names = {"-o", "--output"},
            paramLabel = "FORMAT",
            converter = OutputFormat.Converter.class,
            description = "json (default), ndjson, csv or table.")
    OutputFormat output = OutputFormat.JSON;

    @Override
    public Integer call() throws IOException {
        ApiClient api = root.api();
        String path =
                EventPages.EVENTS + "/" + java.net.URLEncoder.encode(eventId, java.nio.charset.StandardCharsets.UTF_8);
        HttpResponse<byte[]> response = api.getRaw(api.uri(path, Map.of()), EventPages.TIMEOUT);
        if (response.statusCode() == 404) {
            throw new CommandFailure(ExitCodes.FINDING, "no event " + eventId);
        }
        if (response.statusCode() / 100 != 2) {
            throw new CommandFailure(
                    ExitCodes.SERVER_ERROR,
                    ApiClient.describeError("GET", response.uri(), response.statusCode(), response.body()));
        }
        JsonNode event = AuditJson.mapper().readTree(response.body());
        if (output == OutputFormat.JSON) {
            spec.commandLine()
                    .getOut()
                    .println(AuditJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(event));
        } else {
            EventPrinter printer = new EventPrinter(output, spec.commandLine().getOut());
            printer.print(event);
            printer.finish();
        }
        return ExitCodes.OK;
    }
}
