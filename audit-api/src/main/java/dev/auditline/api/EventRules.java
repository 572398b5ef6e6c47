package dev.auditline.api;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The rules of the event model (DESIGN §2), shared by the client's builder and DataStorage's
 * validation so both sides reject exactly the same events with the same messages.
 *
 * <p>Every message names the limit and the value: {@code must be at most 100 characters (got 143)}.
 */
public final class EventRules {
    /** The only wire-format version this code reads and writes. */
    public static final String VERSION = "1.0";

    /** The fields a client sends, by their wire (snake_case) names, in the event model's order. */
    public static final List<String> CLIENT_FIELDS = List.of(
            "event_id",
            "version",
            "event_type",
            "event_category",
            "event_action",
            "event_outcome",
            "event_timestamp",
            "correlation_id",
            "actor_type",
            "actor_id",
            "resource_type",
            "resource_id",
            "event_data",
            "actor_ip",
            "resource_name",
            "parent_event_id",
            "namespace",
            "cluster_id",
            "severity",
            "duration_ms",
            "error_code",
            "error_message",
            "trace_id",
            "span_id");

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");
    private static final int MAX_QUOTED = 40;

    private EventRules() {}

    /** Checks the timestamp window against the server's clock; the client leaves this to the server. */
    public static void checkTimestampWindow(
            Instant timestamp, Instant now, ValidationLimits limits, List<FieldViolation> out) {
        if (timestamp == null) {
            return;
        }
        Instant earliest = now.minus(limits.maxPast());
        Instant latest = now.plus(limits.maxFuture());
        if (timestamp.isBefore(earliest)) {
            out.add(new FieldViolation(
                    "event_timestamp",
                    "must not be more than " + human(limits.maxPast()) + " in the past (got " + timestamp + ", "
                            + human(Duration.between(timestamp, now)) + " old)"));
        } else if (timestamp.isAfter(latest)) {
            out.add(new FieldViolation(
                    "event_timestamp",
                    "must not be more than " + human(limits.maxFuture()) + " in the future (got " + timestamp + ", "
                            + human(Duration.between(now, timestamp)) + " ahead)"));
        }
    }

    static void checkEvent(AuditEvent.Builder b, ValidationLimits limits, Found out) {
        if (!VERSION.equals(b.version)) {
            out.add(new FieldViolation("version", "must be \"" + VERSION + "\" (got " + quote(b.version) + ")"));
        }
        if (required("event_type", b.eventType, 100, out)) {
            if (!isEventType(b.eventType)) {
                out.add(new FieldViolation(
                        "event_type",
                        "must look like {service}.{domain}.{action}: at least three dot-separated parts of"
                                + " [a-z0-9_-] (got " + quote(b.eventType) + ")"));
            }
        }
        required("event_category", b.eventCategory, 50, out);
        required("event_action", b.eventAction, 50, out);
        if (b.eventOutcome == null) {
            out.add(new FieldViolation("event_outcome", "is required: one of success, failure, pending"));
        }
        if (b.eventTimestamp == null) {
            out.add(new FieldViolation("event_timestamp", "is required (RFC 3339 with offset)"));
        }
        required("correlation_id", b.correlationId, 255, out);
        required("actor_type", b.actorType, 50, out);
        required("actor_id", b.actorId, 255, out);
        required("resource_type", b.resourceType, 100, out);
        required("resource_id", b.resourceId, 255, out);
        if (b.eventData == null) {
            out.add(new FieldViolation("event_data", "is required: a JSON object ({} when there is nothing to add)"));
        } else {
            checkEventData(b.eventData, limits, out);
        }
        if (b.actorIp != null && !isIpAddress(b.actorIp)) {
            out.add(new FieldViolation("actor_ip", "must be an IPv4 or IPv6 address (got " + quote(b.actorIp) + ")"));
        }
        optional("resource_name", b.resourceName, 255, out);
        optional("namespace", b.namespace, 253, out);
        optional("cluster_id", b.clusterId, 255, out);
        optional("severity", b.severity, 20, out);
        optional("error_code", b.errorCode, 100, out);
        optional("error_message", b.errorMessage, 4096, out);
        if (b.durationMs != null && b.durationMs < 0) {
            out.add(new FieldViolation("duration_ms", "must be ≥ 0 (got " + b.durationMs + ")"));
        }
        if (b.traceId != null && !isLowerHexNotAllZero(b.traceId, 32)) {
            out.add(new FieldViolation(
                    "trace_id",
                    "must be 32 lowercase hex digits, not all zero (W3C trace context) (got " + quote(b.traceId)
                            + ")"));
        }
        if (b.spanId != null && !isLowerHexNotAllZero(b.spanId, 16)) {
            out.add(new FieldViolation(
                    "span_id",
                    "must be 16 lowercase hex digits, not all zero (W3C trace context) (got " + quote(b.spanId) + ")"));
        }
    }

    static void checkEventData(EventData data, ValidationLimits limits, Found out) {
        if (data.jsonBytes() > limits.maxEventDataBytes()) {
            out.add(new FieldViolation(
                    "event_data",
                    "must be at most " + limits.maxEventDataBytes() + " bytes as JSON (got " + data.jsonBytes() + ")"));
        }
        if (data.depth() > limits.maxNestingDepth()) {
            out.add(new FieldViolation(
                    "event_data",
                    "must nest at most " + limits.maxNestingDepth() + " levels deep (got " + data.depth() + ")"));
        }
        if (data.badStringPath() != null) {
            out.add(new FieldViolation(data.badStringPath(), data.badStringDetail()));
        }
    }

    private static boolean required(String field, String value, int max, Found out) {
        if (value == null) {
            out.add(new FieldViolation(field, "is required: 1 to " + max + " characters"));
            return false;
        }
        return optional(field, value, max, out);
    }

    private static boolean optional(String field, String value, int max, Found out) {
        if (value == null) {
            return true;
        }
        String problem = textProblem(value);
        if (problem != null) {
            out.add(new FieldViolation(field, problem));
            return false;
        }
        if (value.isEmpty()) {
            out.add(new FieldViolation(field, "must not be empty: 1 to " + max + " characters"));
            return false;
        }
        int length = value.length() > max ? value.codePointCount(0, value.length()) : value.length();
        if (length > max) {
            out.add(new FieldViolation(field, "must be at most " + max + " characters (got " + length + ")"));
            return false;
        }
        return true;
    }

    /**
     * The violations one check found. Allocates nothing until the first one, so checking a valid
     * event (the common case, on the caller's thread at every {@code build()}) costs no list.
     */
    static final class Found {
        private List<FieldViolation> list;

        void add(FieldViolation violation) {
            if (list == null) {
                list = new ArrayList<>(4);
            }
            list.add(violation);
        }

        boolean isEmpty() {
            return list == null;
        }

        /** What was found, in check order; a new empty list when nothing was. */
        List<FieldViolation> list() {
            return list == null ? new ArrayList<>() : list;
        }
    }

    /**
     * {@code [a-z0-9_-]+(\\.[a-z0-9_-]+){2,}}: three or more non-empty dot-separated parts. Written
     * out because a regex match allocates a {@code Matcher} on every event built.
     */
    static boolean isEventType(String s) {
        int parts = 1;
        int partLength = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '.') {
                if (partLength == 0) {
                    return false;
                }
                parts++;
                partLength = 0;
            } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-') {
                partLength++;
            } else {
                return false;
            }
        }
        return partLength > 0 && parts >= 3;
    }

    /** Exactly {@code length} lowercase hex digits, not all {@code 0} (W3C trace context ids). */
    static boolean isLowerHexNotAllZero(String s, int length) {
        if (s.length() != length) {
            return false;
        }
        boolean nonZero = false;
        for (int i = 0; i < length; i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
            nonZero |= c != '0';
        }
        return nonZero;
    }

    /**
     * Why a string is not storable text: a NUL character, or a UTF-16 surrogate without its pair
     * (which no UTF-8 encoder can write). {@code null} when it is fine.
     */
    static String textProblem(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\u0000') {
                return "must not contain the NUL character (U+0000, at index " + i + ")";
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                    i++;
                    continue;
                }
                return "must be valid Unicode text (unpaired surrogate at index " + i + ")";
            }
            if (Character.isLowSurrogate(c)) {
                return "must be valid Unicode text (unpaired surrogate at index " + i + ")";
            }
        }
        return null;
    }

    private static boolean isIpAddress(String text) {
        if (!IPV4.matcher(text).matches() && !IPV6.matcher(text).matches()) {
            return false;
        }
        if (IPV4.matcher(text).matches()) {
            for (String part : text.split("\\.")) {
                if (Integer.parseInt(part) > 255) {
                    return false;
                }
            }
        }
        try {
            // Only literals reach this point, so getByName parses and never resolves a name.
            InetAddress.getByName(text);
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** A value quoted for an error message, shortened so a huge value cannot flood a response. */
    static String quote(String value) {
        if (value == null) {
            return "nothing";
        }
        String shown = value;
        if (value.length() > MAX_QUOTED) {
            // never cut a surrogate pair in half: the message itself must be valid text
            int cut = Character.isHighSurrogate(value.charAt(MAX_QUOTED - 1)) ? MAX_QUOTED - 1 : MAX_QUOTED;
            shown = value.substring(0, cut) + "…";
        }
        return '"' + shown.replace("\u0000", "\\u0000") + '"';
    }

    static String human(Duration d) {
        if (d.toDays() > 0 && d.equals(Duration.ofDays(d.toDays()))) {
            return d.toDays() + "d";
        }
        if (d.toHours() > 0 && d.equals(Duration.ofHours(d.toHours()))) {
            return d.toHours() + "h";
        }
        if (d.toMinutes() > 0 && d.equals(Duration.ofMinutes(d.toMinutes()))) {
            return d.toMinutes() + "m";
        }
        if (d.toSeconds() > 0) {
            return d.toSeconds() + "s";
        }
        return d.toMillis() + "ms";
    }
}
