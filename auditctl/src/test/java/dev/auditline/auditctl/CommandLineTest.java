package dev.auditline.auditctl;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class CommandLineTest {

    @Test
    void everySubcommandHasHelpWithExamples() {
        for (List<String> command : List.of(
                List.of("query"),
                List.of("get"),
                List.of("trail"),
                List.of("export"),
                List.of("tail"),
                List.of("spool"),
                List.of("spool", "inspect"),
                List.of("spool", "replay"))) {
            String[] args = java.util.stream.Stream.concat(command.stream(), java.util.stream.Stream.of("--help"))
                    .toArray(String[]::new);
            Cli cli = Cli.run("http://127.0.0.1:1", args);
            assertThat(cli.code()).as(command.toString()).isZero();
            assertThat(cli.out()).as(command.toString()).contains("Examples:", "  auditctl " + command.get(0));
        }
    }

    @Test
    void defaultFormatIsATableOnATerminalAndNdjsonWhenPiped() {
        assertThat(OutputFormat.defaultFor(true)).isEqualTo(OutputFormat.TABLE);
        assertThat(OutputFormat.defaultFor(false)).isEqualTo(OutputFormat.NDJSON);
    }

    @Test
    void relativeTimesAreResolvedOnceAgainstTheGivenNow() {
        Instant now = Instant.parse("2026-03-01T12:00:00Z");

        assertThat(TimeArgument.resolve("15m", now)).isEqualTo("2026-03-01T11:45:00.000000Z");
        assertThat(TimeArgument.resolve("7d", now)).isEqualTo("2026-02-22T12:00:00.000000Z");
        assertThat(TimeArgument.resolve("2026-01-01T00:00:00Z", now)).isEqualTo("2026-01-01T00:00:00Z");
    }

    @Test
    void clientSideFiltersMatchExactlyLikeTheApi() {
        EventFilters f = new EventFilters();
        f.actorId = "svc";
        f.eventOutcome = "failure";
        var mapper = dev.auditline.api.json.AuditJson.mapper();

        assertThat(f.matches(mapper.createObjectNode().put("actor_id", "svc").put("event_outcome", "failure")))
                .isTrue();
        assertThat(f.matches(mapper.createObjectNode().put("actor_id", "svc").put("event_outcome", "success")))
                .isFalse();
        assertThat(f.matches(mapper.createObjectNode().put("event_outcome", "failure")))
                .isFalse();
    }
}
