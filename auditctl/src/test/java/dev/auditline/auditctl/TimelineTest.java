package dev.auditline.auditctl;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.auditline.api.json.AuditJson;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class TimelineTest {
    private static ObjectNode event(String id, String at, String parent, String outcome) {
        ObjectNode e = AuditJson.mapper().createObjectNode();
        e.put("event_id", id);
        e.put("event_timestamp", at);
        e.put("event_type", "step." + id);
        e.put("event_outcome", outcome);
        e.put("actor_type", "service");
        e.put("actor_id", "svc");
        e.put("resource_type", "r");
        e.put("resource_id", "1");
        if (parent != null) {
            e.put("parent_event_id", parent);
        }
        return e;
    }

    private static List<String> order(List<Timeline.Step> steps) {
        return steps.stream()
                .map(s -> s.event().get("event_id").asText() + "@" + s.depth())
                .toList();
    }

    @Test
    void childrenFollowTheirParentDepthFirstAndSiblingsGoByTime() {
        List<JsonNode> events = List.of(
                event("c", "2026-01-01T00:00:03Z", null, "success"),
                event("a2", "2026-01-01T00:00:02Z", "a", "success"),
                event("a", "2026-01-01T00:00:00Z", null, "success"),
                event("a1", "2026-01-01T00:00:01Z", "a", "success"),
                event("a1x", "2026-01-01T00:00:04Z", "a1", "success"));

        assertThat(order(Timeline.steps(events))).containsExactly("a@0", "a1@1", "a1x@2", "a2@1", "c@0");
    }

    @Test
    void parentOutsideTheTrailOrACycleStillShowsEveryEventOnce() {
        List<JsonNode> events = List.of(
                event("x", "2026-01-01T00:00:00Z", "elsewhere", "success"),
                event("p", "2026-01-01T00:00:01Z", "q", "success"),
                event("q", "2026-01-01T00:00:02Z", "p", "success"),
                event("self", "2026-01-01T00:00:03Z", "self", "success"));

        assertThat(order(Timeline.steps(events))).containsExactly("x@0", "self@0", "p@0", "q@1");
    }

    @Test
    void failuresAreMarkedAndColouredOnlyWhenAsked() {
        List<JsonNode> events = List.of(
                event("a", "2026-01-01T00:00:00Z", null, "success"),
                event("b", "2026-01-01T00:00:01.250Z", null, "failure"));

        String plain = Timeline.render("rr-1", events, false);
        String coloured = Timeline.render("rr-1", events, true);

        assertThat(plain.lines()).element(3).asString().startsWith("!").contains("+1.250s");
        assertThat(plain).doesNotContain("\u001b");
        assertThat(coloured.lines())
                .element(3)
                .asString()
                .startsWith(Timeline.RED + "!")
                .endsWith(Timeline.RESET);
        assertThat(coloured.lines()).element(2).asString().doesNotContain("\u001b");
    }

    @Test
    void controlCharactersInEventFieldsNeverReachTheTerminal() {
        ObjectNode e = event("a", "2026-01-01T00:00:00Z", null, "success");
        e.put("actor_id", "evil\u001b[2J\u0007");

        assertThat(Timeline.render("rr\u001b]0;x\u0007", List.of(e), false)).doesNotContain("\u001b", "\u0007");
    }

    @Test
    void offsetsReadAsSecondsMinutesOrHours() {
        assertThat(Timeline.offset(Duration.ZERO)).isEqualTo("0.000s");
        assertThat(Timeline.offset(Duration.ofMillis(12_345))).isEqualTo("12.345s");
        assertThat(Timeline.offset(Duration.ofMillis(184_500))).isEqualTo("3m04.500s");
        assertThat(Timeline.offset(Duration.ofSeconds(7384))).isEqualTo("2h03m04.000s");
    }
}
