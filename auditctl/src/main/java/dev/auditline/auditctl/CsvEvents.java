package dev.auditline.auditctl;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.StringJoiner;

/**
 * Events as CSV (RFC 4180): a fixed header, every field in every row, CRLF line ends, a cell
 * quoted when it holds a comma, a quote, CR or LF (quotes doubled). {@code event_data} is one cell
 * of compact JSON.
 *
 * <p>An audit trail holds text written by anyone who could cause an event; opened in a
 * spreadsheet, a cell starting with {@code = + - @} (or a tab or CR) would run as a formula (CSV
 * injection). Such a cell is prefixed with {@code '} so it is shown as text. Negative numbers are
 * not at risk here: the only numeric column, {@code duration_ms}, is never negative.
 */
final class CsvEvents {
    /** The columns, in order; the same for every export so that files can be concatenated. */
    static final List<String> COLUMNS = List.of(
            "event_id",
            "event_timestamp",
            "event_type",
            "event_category",
            "event_action",
            "event_outcome",
            "correlation_id",
            "parent_event_id",
            "actor_type",
            "actor_id",
            "actor_ip",
            "resource_type",
            "resource_id",
            "resource_name",
            "severity",
            "duration_ms",
            "error_code",
            "error_message",
            "namespace",
            "cluster_id",
            "trace_id",
            "span_id",
            "ingested_at",
            "ingested_by",
            "version",
            "event_data");

    static final String HEADER = String.join(",", COLUMNS) + "\r\n";

    private CsvEvents() {}

    /** One event as a CSV row, CRLF included. */
    static String row(JsonNode event) {
        StringJoiner row = new StringJoiner(",", "", "\r\n");
        for (String column : COLUMNS) {
            JsonNode value = event.get(column);
            String text;
            if (value == null || value.isNull()) {
                text = "";
            } else if (value.isContainerNode()) {
                text = value.toString();
            } else {
                text = value.asText();
            }
            row.add(cell(text));
        }
        return row.toString();
    }

    /** One cell: guarded against formulas, then quoted if RFC 4180 needs it. */
    static String cell(String text) {
        String guarded = text;
        if (!text.isEmpty() && "=+-@\t\r".indexOf(text.charAt(0)) >= 0) {
            guarded = "'" + text;
        }
        boolean quote = guarded.indexOf(',') >= 0
                || guarded.indexOf('"') >= 0
                || guarded.indexOf('\n') >= 0
                || guarded.indexOf('\r') >= 0;
        return quote ? '"' + guarded.replace("\"", "\"\"") + '"' : guarded;
    }
}
