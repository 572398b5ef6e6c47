package dev.auditline.e2e.abuse;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;

/**
 * The catalogue of hostile requests: edge and malformed query values, and expensive or malformed
 * bodies. Each entry is one distinct input, named; a body's event ids are listed so the suite can
 * check afterwards that exactly the accepted ones were stored.
 */
final class HostileInputs {
    static final String EVENTS = "/api/v1/audit/events";
    static final String BATCH = "/api/v1/audit/events/batch";

    /** One request. {@code body} is {@code null} for a GET. */
    record Hostile(String name, String method, String path, String contentEncoding, byte[] body, List<UUID> ids) {
        static Hostile get(String name, String pathAndQuery) {
            return new Hostile(name, "GET", pathAndQuery, null, null, List.of());
        }
    }

    private HostileInputs() {}

    static List<Hostile> queries() {
        UUID id = UUID.randomUUID();
        List<Hostile> q = new ArrayList<>();
        q.add(Hostile.get("until at the end of year 9999", EVENTS + "?until=9999-12-31T23:59:59Z"));
        q.add(Hostile.get("since at the start of year 1", EVENTS + "?since=0001-01-01T00:00:00Z"));
        q.add(Hostile.get("both extreme dates", EVENTS + "?since=0001-01-01T00:00:00Z&until=9999-12-31T23:59:59Z"));
        q.add(Hostile.get("since at Instant.MIN", EVENTS + "?since=-1000000000-01-01T00:00:00Z"));
        q.add(Hostile.get("until at Instant.MAX", EVENTS + "?until=%2B1000000000-12-31T23:59:59.999999999Z"));
        q.add(Hostile.get("relative since overflowing", EVENTS + "?since=9223372036854775807d"));
        q.add(Hostile.get("relative since of 10^20 seconds", EVENTS + "?since=100000000000000000000s"));
        q.add(Hostile.get("impossible calendar date", EVENTS + "?since=2026-13-45T99:99:99Z"));
        q.add(Hostile.get("since after until", EVENTS + "?since=2026-02-01T00:00:00Z&until=2025-01-01T00:00:00Z"));
        q.add(Hostile.get("lone percent in since", EVENTS + "?since=%"));
        q.add(Hostile.get("lone percent in correlation_id", EVENTS + "?correlation_id=%"));
        q.add(Hostile.get("non-hex percent escape", EVENTS + "?correlation_id=%zz"));
        q.add(Hostile.get("truncated percent escape", EVENTS + "?correlation_id=ab%4"));
        q.add(Hostile.get("percent-encoded invalid UTF-8", EVENTS + "?correlation_id=%C3%28"));
        q.add(Hostile.get("percent-encoded NUL", EVENTS + "?correlation_id=a%00b"));
        q.add(Hostile.get("percent in a parameter name", EVENTS + "?corr%zzid=x"));
        q.add(Hostile.get("8 KB correlation_id", EVENTS + "?correlation_id=" + "c".repeat(8000)));
        q.add(Hostile.get("cursor of garbage", EVENTS + "?cursor=AAAA"));
        q.add(Hostile.get("cursor not base64", EVENTS + "?cursor=%21%21not-base64%21%21"));
        q.add(Hostile.get("cursor at Instant.MAX", EVENTS + "?cursor=" + cursor("31556889864403199:999999999:" + id)));
        q.add(Hostile.get("cursor at Instant.MIN", EVENTS + "?cursor=" + cursor("-31557014167219200:0:" + id)));
        q.add(Hostile.get("cursor past Instant.MAX", EVENTS + "?cursor=" + cursor("9223372036854775807:0:" + id)));
        q.add(Hostile.get("cursor in year 9999", EVENTS + "?cursor=" + cursor("253402300799:999999999:" + id)));
        q.add(Hostile.get("cursor with negative nanos", EVENTS + "?cursor=" + cursor("0:-1:" + id)));
        q.add(Hostile.get("cursor with a bad uuid", EVENTS + "?cursor=" + cursor("0:0:not-a-uuid")));
        q.add(Hostile.get(
                "cursor in year 9999, descending", EVENTS + "?order=desc&cursor=" + cursor("253402300799:0:" + id)));
        q.add(Hostile.get("two cursors", EVENTS + "?cursor=AAAA&cursor=BBBB"));
        q.add(Hostile.get("limit 0", EVENTS + "?limit=0"));
        q.add(Hostile.get("limit -1", EVENTS + "?limit=-1"));
        q.add(Hostile.get("limit 1001", EVENTS + "?limit=1001"));
        q.add(Hostile.get("limit past long", EVENTS + "?limit=99999999999999999999"));
        q.add(Hostile.get("limit not a number", EVENTS + "?limit=1e3"));
        q.add(Hostile.get("order sideways", EVENTS + "?order=sideways"));
        q.add(Hostile.get("unknown parameter", EVENTS + "?colour=blue"));
        q.add(Hostile.get("event_outcome not in the enum", EVENTS + "?event_outcome=maybe"));
        q.add(Hostile.get("event id not a uuid", EVENTS + "/not-a-uuid"));
        q.add(Hostile.get("event id a lone percent", EVENTS + "/%"));
        q.add(Hostile.get("event id of zeros", EVENTS + "/00000000-0000-0000-0000-000000000000"));
        q.add(Hostile.get("log entries after -5", "/api/v1/audit/log/entries?after=-5"));
        q.add(Hostile.get("log entries after Long.MAX", "/api/v1/audit/log/entries?after=9223372036854775807"));
        q.add(Hostile.get("log entries wait 1h", "/api/v1/audit/log/entries?wait=1h"));
        q.add(Hostile.get("inclusion proof of garbage", "/api/v1/log/proof/inclusion?event_id=zzz&tree_size=-1"));
        q.add(Hostile.get("consistency proof backwards", "/api/v1/log/proof/consistency?from=5&to=2"));
        q.add(Hostile.get("consistency proof from Long.MAX", "/api/v1/log/proof/consistency?from=9223372036854775807"));
        q.add(Hostile.get("leaves from -1", "/api/v1/log/leaves?start=-1"));
        q.add(Hostile.get("viewer search, unknown view", "/ui/api/search?view=evil&since=0001-01-01T00:00:00Z"));
        return q;
    }

    static List<Hostile> bodies() {
        List<Hostile> b = new ArrayList<>();
        b.add(longKeys());
        b.add(batchOf(
                "a 40 KB key over 100000 array items",
                "{\"" + "k".repeat(40_000) + "\":[" + "0,".repeat(99_999) + "0]}"));
        b.add(nested("event_data nested 32 levels (the limit)", 32));
        b.add(nested("event_data nested 33 levels (one past)", 33));
        b.add(batchOf("a 1000-digit number", "{\"n\":" + "9".repeat(1000) + "}"));
        b.add(batchOf("a 1000-digit decimal fraction", "{\"n\":0." + "1".repeat(1000) + "}"));
        b.add(batchOf("1e400", "{\"n\":1e400}"));
        b.add(batchOf("a decimal past double precision", "{\"n\":0.1000000000000000055511151231257827}"));
        b.add(batchOf("duplicate keys in event_data", "{\"a\":1,\"a\":2}"));
        b.add(rawEvent("duplicate top-level key", ",\"event_type\":\"abuse.dup.key\""));
        b.add(batchOf("NUL inside a string", "{\"s\":\"a\\u0000b\"}"));
        b.add(batchOf("a lone surrogate", "{\"s\":\"\\ud800\"}"));
        b.add(encoded("UTF-8 with a BOM", new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, StandardCharsets.UTF_8));
        b.add(encoded("UTF-16BE with a BOM", new byte[] {(byte) 0xFE, (byte) 0xFF}, StandardCharsets.UTF_16BE));
        b.add(encoded("UTF-16LE without a BOM", new byte[0], StandardCharsets.UTF_16LE));
        b.add(encoded("UTF-32BE", new byte[0], Charset.forName("UTF-32BE")));
        b.add(gzip("gzip with trailing garbage", "trailing garbage".getBytes(StandardCharsets.US_ASCII), 0));
        b.add(gzip("gzip with a second gzip member", gzipBytes("{}".getBytes(StandardCharsets.US_ASCII)), 0));
        b.add(gzip("gzip cut short", new byte[0], 10));
        b.add(gzipBomb());
        b.add(new Hostile("Content-Encoding br", "POST", BATCH, "br", batch(1).body(), List.of()));
        b.add(plain("an empty body", ""));
        b.add(plain("JSON null", "null"));
        b.add(plain("an array", "[]"));
        b.add(plain("events an object", "{\"events\":{}}"));
        b.add(plain("events of numbers", "{\"events\":[1,2,3]}"));
        b.add(plain("two documents", "{\"events\":[]}{\"events\":[]}"));
        b.add(plain("a 70-level array", "[".repeat(70) + "]".repeat(70)));
        b.add(plain("a 100000-level array", "[".repeat(100_000)));
        b.add(plain("a string of 2 MB", "{\"events\":[\"" + "x".repeat(2_000_000) + "\"]}"));
        b.add(manySmall("5001 events, one past max_batch_size", 5001));
        b.add(timestamps());
        UUID longType = UUID.randomUUID();
        b.add(new Hostile(
                "an event_type of 10000 characters",
                "POST",
                BATCH,
                null,
                ("{\"events\":[" + event(longType, "{}", "a.b." + "c".repeat(10_000)) + "]}")
                        .getBytes(StandardCharsets.UTF_8),
                List.of(longType)));
        return b;
    }

    private static String cursor(String raw) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    static String event(UUID id, String eventData) {
        return event(id, eventData, "abuse.hostile.sent");
    }

    private static String event(UUID id, String eventData, String eventType) {
        String now = Instant.now().truncatedTo(ChronoUnit.MICROS).toString();
        return "{\"event_id\":\"" + id + "\",\"version\":\"1.0\",\"event_type\":\"" + eventType + "\","
                + "\"event_category\":\"abuse\",\"event_action\":\"sent\",\"event_outcome\":\"success\","
                + "\"event_timestamp\":\"" + now + "\",\"correlation_id\":\"abuse-hostile\","
                + "\"actor_type\":\"service\",\"actor_id\":\"abuse\",\"resource_type\":\"thing\","
                + "\"resource_id\":\"r-1\",\"event_data\":" + eventData + "}";
    }

    /** A valid event plus one hostile event, so a per-event rejection leaves a created sibling to check. */
    private static Hostile batchOf(String name, String hostileEventData) {
        UUID valid = UUID.randomUUID();
        UUID hostile = UUID.randomUUID();
        String body = "{\"events\":[" + event(valid, "{\"ok\":true}") + "," + event(hostile, hostileEventData) + "]}";
        return new Hostile(name, "POST", BATCH, null, body.getBytes(StandardCharsets.UTF_8), List.of(valid, hostile));
    }

    private static Hostile rawEvent(String name, String extraMembers) {
        UUID id = UUID.randomUUID();
        String e = event(id, "{}");
        String body = "{\"events\":[" + e.substring(0, e.length() - 1) + extraMembers + "}]}";
        return new Hostile(name, "POST", BATCH, null, body.getBytes(StandardCharsets.UTF_8), List.of(id));
    }

    static Hostile batch(int events) {
        List<UUID> ids = new ArrayList<>();
        StringBuilder body = new StringBuilder("{\"events\":[");
        for (int i = 0; i < events; i++) {
            UUID id = UUID.randomUUID();
            ids.add(id);
            body.append(i == 0 ? "" : ",").append(event(id, "{\"i\":" + i + "}"));
        }
        body.append("]}");
        return new Hostile(
                events + " valid events", "POST", BATCH, null, body.toString().getBytes(StandardCharsets.UTF_8), ids);
    }

    private static Hostile manySmall(String name, int events) {
        Hostile b = batch(events);
        return new Hostile(name, b.method(), b.path(), null, b.body(), b.ids());
    }

    /** 1.4 MB of events whose event_data holds long keys: the cost is in the keys, not the size. */
    private static Hostile longKeys() {
        List<UUID> ids = new ArrayList<>();
        StringBuilder body = new StringBuilder("{\"events\":[");
        for (int e = 0; e < 7; e++) {
            UUID id = UUID.randomUUID();
            ids.add(id);
            StringBuilder data = new StringBuilder("{");
            for (int k = 0; k < 20; k++) {
                data.append(k == 0 ? "" : ",")
                        .append("\"")
                        .append(Character.toString('a' + k).repeat(10_000))
                        .append("\":{\"")
                        .append("k".repeat(1000))
                        .append("\":1}");
            }
            body.append(e == 0 ? "" : ",").append(event(id, data.append("}").toString()));
        }
        body.append("]}");
        return new Hostile(
                "1.4 MB of long keys", "POST", BATCH, null, body.toString().getBytes(StandardCharsets.UTF_8), ids);
    }

    /** An event_data of {@code levels} nested objects ({@code {"d":{"d":1}}} is two). */
    private static Hostile nested(String name, int levels) {
        return batchOf(name, "{\"d\":".repeat(levels) + "1" + "}".repeat(levels));
    }

    private static Hostile encoded(String name, byte[] prefix, Charset charset) {
        Hostile b = batch(1);
        byte[] text = new String(b.body(), StandardCharsets.UTF_8).getBytes(charset);
        byte[] body = new byte[prefix.length + text.length];
        System.arraycopy(prefix, 0, body, 0, prefix.length);
        System.arraycopy(text, 0, body, prefix.length, text.length);
        return new Hostile(name, "POST", BATCH, null, body, b.ids());
    }

    private static Hostile gzip(String name, byte[] trailer, int cutShort) {
        Hostile b = batch(1);
        byte[] gz = gzipBytes(b.body());
        byte[] body = new byte[gz.length - cutShort + trailer.length];
        System.arraycopy(gz, 0, body, 0, gz.length - cutShort);
        System.arraycopy(trailer, 0, body, gz.length - cutShort, trailer.length);
        return new Hostile(name, "POST", BATCH, "gzip", body, b.ids());
    }

    /** 64 MB of spaces (four times max_request_bytes) before a valid batch, gzipped to about 64 KB. */
    private static Hostile gzipBomb() {
        Hostile b = batch(1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            byte[] spaces = new byte[1 << 20];
            java.util.Arrays.fill(spaces, (byte) ' ');
            for (int i = 0; i < 64; i++) {
                gz.write(spaces);
            }
            gz.write(b.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Hostile("gzip bomb of 64 MB", "POST", BATCH, "gzip", out.toByteArray(), b.ids());
    }

    private static Hostile timestamps() {
        UUID a = UUID.randomUUID();
        UUID c = UUID.randomUUID();
        String e1 = event(a, "{}")
                .replaceFirst("\"event_timestamp\":\"[^\"]+\"", "\"event_timestamp\":\"9999-12-31T23:59:59Z\"");
        String e2 = event(c, "{}")
                .replaceFirst("\"event_timestamp\":\"[^\"]+\"", "\"event_timestamp\":\"0001-01-01T00:00:00Z\"");
        String body = "{\"events\":[" + e1 + "," + e2 + "]}";
        return new Hostile(
                "event_timestamp in years 9999 and 1",
                "POST",
                BATCH,
                null,
                body.getBytes(StandardCharsets.UTF_8),
                List.of(a, c));
    }

    private static Hostile plain(String name, String body) {
        return new Hostile(name, "POST", BATCH, null, body.getBytes(StandardCharsets.UTF_8), List.of());
    }

    static byte[] gzipBytes(byte[] raw) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(raw);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
