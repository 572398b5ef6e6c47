package dev.auditline.auditctl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.auditline.api.json.AuditJson;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * Prints events in one {@link OutputFormat}, streaming where the format allows: NDJSON and CSV
 * write each page as it arrives (so {@code query --all} over a large trail runs in constant
 * memory), JSON and the table need every row first and collect them.
 */
final class EventPrinter {
    /** Table columns: what a person scans for; {@code get} or {@code -o json} shows the rest. */
    private static final List<String> TABLE_COLUMNS = List.of(
            "event_timestamp",
            "event_type",
            "event_outcome",
            "actor_id",
            "resource_type",
            "resource_id",
            "correlation_id",
            "event_id");

    /** A table cell longer than this is cut with an ellipsis, so one long value cannot wreck the layout. */
    static final int MAX_CELL_CHARS = 60;

    private final OutputFormat format;
    private final PrintWriter out;
    private final List<JsonNode> collected = new ArrayList<>();
    private long count;
    private boolean headerWritten;

    EventPrinter(OutputFormat format, PrintWriter out) {
        this.format = format;
        this.out = out;
    }

    void print(JsonNode event) {
        count++;
        switch (format) {
            case NDJSON -> out.println(compact(event));
            case CSV -> {
                if (!headerWritten) {
                    out.print(CsvEvents.HEADER);
                    headerWritten = true;
                }
                out.print(CsvEvents.row(event));
            }
            case JSON, TABLE -> collected.add(event);
        }
    }

    /** Writes what was collected; an empty result still prints a header or an empty document. */
    void finish() {
        switch (format) {
            case CSV -> {
                if (!headerWritten) {
                    out.print(CsvEvents.HEADER);
                }
            }
            case JSON -> {
                ObjectNode doc = AuditJson.mapper().createObjectNode();
                ArrayNode events = doc.putArray("events");
                collected.forEach(events::add);
                try {
                    out.println(
                            AuditJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(doc));
                } catch (JsonProcessingException e) {
                    throw new IllegalStateException(e);
                }
            }
            case TABLE -> out.print(table(collected));
            case NDJSON -> {}
        }
        out.flush();
    }

    long count() {
        return count;
    }

    static String compact(JsonNode event) {
        return event.toString();
    }

    static String table(List<JsonNode> events) {
        List<String[]> rows = new ArrayList<>();
        rows.add(TABLE_COLUMNS.stream().map(c -> c.toUpperCase()).toArray(String[]::new));
        for (JsonNode e : events) {
            rows.add(TABLE_COLUMNS.stream().map(c -> cut(text(e, c))).toArray(String[]::new));
        }
        int[] widths = new int[TABLE_COLUMNS.size()];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                sb.append(row[i]);
                if (i < row.length - 1) {
                    sb.append(" ".repeat(widths[i] - row[i].length() + 2));
                }
            }
            sb.append('\n');
        }
        if (events.isEmpty()) {
            sb.append("(no events)\n");
        }
        return sb.toString();
    }

    static String text(JsonNode event, String field) {
        JsonNode v = event.get(field);
        return v == null || v.isNull() ? "" : v.isContainerNode() ? v.toString() : v.asText();
    }

    /** Control characters (an ANSI escape in an actor id) never reach the terminal. */
    static String cut(String s) {
        String clean = s.codePoints()
                .map(c -> Character.isISOControl(c) ? '?' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
                .toString();
        return clean.length() > MAX_CELL_CHARS ? clean.substring(0, MAX_CELL_CHARS - 1) + "…" : clean;
    }
}
