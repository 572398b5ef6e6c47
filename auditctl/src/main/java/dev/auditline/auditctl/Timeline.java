package dev.auditline.auditctl;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One correlation id's events as a timeline: each step with its time, its offset from the first
 * event, type, actor, resource and outcome, children indented under the event named by their
 * {@code parent_event_id}. A pure function of the events, so it is tested without a server.
 *
 * <p>Failures stand out twice: a {@code !} marker in the first column (which survives a pipe, a
 * log file, a colour-blind reader) and, on a terminal only, red text.
 */
final class Timeline {
    static final String RED = "\u001b[31m";
    static final String RESET = "\u001b[0m";
    private static final String INDENT = "  ";

    /** One line of the timeline, in display order. */
    record Step(JsonNode event, int depth) {}

    private Timeline() {}

    /**
     * Orders the events: roots (no parent, or a parent outside this trail) by time, each followed by
     * its children, depth first, siblings by time. Every event appears exactly once, cycles included.
     */
    static List<Step> steps(List<JsonNode> events) {
        Comparator<JsonNode> byTime =
                Comparator.comparing((JsonNode e) -> time(e)).thenComparing(e -> EventPrinter.text(e, "event_id"));
        Map<String, JsonNode> byId = new LinkedHashMap<>();
        for (JsonNode e : events) {
            byId.put(EventPrinter.text(e, "event_id"), e);
        }
        Map<String, List<JsonNode>> children = new HashMap<>();
        List<JsonNode> roots = new ArrayList<>();
        for (JsonNode e : byId.values()) {
            String parent = EventPrinter.text(e, "parent_event_id");
            if (!parent.isEmpty() && byId.containsKey(parent) && !parent.equals(EventPrinter.text(e, "event_id"))) {
                children.computeIfAbsent(parent, k -> new ArrayList<>()).add(e);
            } else {
                roots.add(e);
            }
        }
        roots.sort(byTime);
        children.values().forEach(list -> list.sort(byTime));
        List<Step> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (JsonNode root : roots) {
            walk(root, 0, children, seen, out);
        }
        // events caught in a parent cycle are reachable from no root: show them flat, by time
        List<JsonNode> left = new ArrayList<>();
        for (JsonNode e : byId.values()) {
            if (!seen.contains(EventPrinter.text(e, "event_id"))) {
                left.add(e);
            }
        }
        left.sort(byTime);
        for (JsonNode e : left) {
            walk(e, 0, children, seen, out);
        }
        return out;
    }

    private static void walk(
            JsonNode e, int depth, Map<String, List<JsonNode>> children, Set<String> seen, List<Step> out) {
        String id = EventPrinter.text(e, "event_id");
        if (!seen.add(id)) {
            return;
        }
        out.add(new Step(e, depth));
        for (JsonNode child : children.getOrDefault(id, List.of())) {
            walk(child, depth + 1, children, seen, out);
        }
    }

    /** The timeline as text; {@code colour} adds ANSI red to failed steps. */
    static String render(String correlationId, List<JsonNode> events, boolean colour) {
        if (events.isEmpty()) {
            return "no events with correlation_id " + EventPrinter.cut(correlationId) + "\n";
        }
        List<Step> steps = steps(events);
        Instant first = events.stream()
                .map(Timeline::time)
                .min(Comparator.naturalOrder())
                .orElseThrow();
        Instant last = events.stream()
                .map(Timeline::time)
                .max(Comparator.naturalOrder())
                .orElseThrow();
        long failures = events.stream().filter(Timeline::failed).count();
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {" ", "TIME", "OFFSET", "TYPE", "ACTOR", "RESOURCE", "OUTCOME"});
        for (Step s : steps) {
            JsonNode e = s.event();
            rows.add(new String[] {
                failed(e) ? "!" : " ",
                EventPrinter.text(e, "event_timestamp"),
                "+" + offset(Duration.between(first, time(e))),
                INDENT.repeat(s.depth()) + EventPrinter.cut(EventPrinter.text(e, "event_type")),
                EventPrinter.cut(EventPrinter.text(e, "actor_type") + "/" + EventPrinter.text(e, "actor_id")),
                EventPrinter.cut(EventPrinter.text(e, "resource_type") + "/" + EventPrinter.text(e, "resource_id")),
                EventPrinter.cut(EventPrinter.text(e, "event_outcome")
                        + (EventPrinter.text(e, "error_code").isEmpty()
                                ? ""
                                : " (" + EventPrinter.text(e, "error_code") + ")"))
            });
        }
        int[] widths = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append("trail ")
                .append(EventPrinter.cut(correlationId))
                .append(": ")
                .append(events.size())
                .append(events.size() == 1 ? " event" : " events")
                .append(" over ")
                .append(offset(Duration.between(first, last)))
                .append(", ")
                .append(failures)
                .append(failures == 1 ? " failure" : " failures")
                .append('\n');
        for (int r = 0; r < rows.size(); r++) {
            String[] row = rows.get(r);
            boolean red = colour && r > 0 && row[0].equals("!");
            if (red) {
                sb.append(RED);
            }
            for (int i = 0; i < row.length; i++) {
                sb.append(row[i]);
                if (i < row.length - 1) {
                    sb.append(" ".repeat(widths[i] - row[i].length() + 2));
                }
            }
            if (red) {
                sb.append(RESET);
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    static boolean failed(JsonNode e) {
        return "failure".equals(EventPrinter.text(e, "event_outcome"));
    }

    static Instant time(JsonNode e) {
        return Instant.parse(EventPrinter.text(e, "event_timestamp"));
    }

    /** {@code 0.000s}, {@code 12.345s}, {@code 3m04.500s}, {@code 2h03m04.500s}. */
    static String offset(Duration d) {
        long millis = d.toMillis();
        long h = millis / 3_600_000;
        long m = (millis / 60_000) % 60;
        long s = (millis / 1000) % 60;
        long ms = millis % 1000;
        if (h > 0) {
            return String.format("%dh%02dm%02d.%03ds", h, m, s, ms);
        }
        if (m > 0) {
            return String.format("%dm%02d.%03ds", m, s, ms);
        }
        return String.format("%d.%03ds", s, ms);
    }
}
