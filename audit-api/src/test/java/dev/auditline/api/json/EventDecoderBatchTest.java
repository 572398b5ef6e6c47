package dev.auditline.api.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.auditline.api.FieldViolation;
import dev.auditline.api.TestEvents;
import dev.auditline.api.ValidationLimits;
import java.io.ByteArrayInputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Whole bodies through the one streaming pass: envelope, per-item rules, strict input, exact values. */
class EventDecoderBatchTest {
    private static final Instant NOW = TestEvents.TIMESTAMP.plusSeconds(60);
    private final EventDecoder decoder = new EventDecoder(ValidationLimits.DEFAULTS);

    /** A valid item's JSON with {@code event_data} replaced by the given text. */
    static String item(String eventData) throws Exception {
        String json = AuditJson.mapper().writeValueAsString(TestEvents.full().build());
        int at = json.indexOf("\"event_data\":");
        int end = json.indexOf('}', at) + 1;
        return json.substring(0, at) + "\"event_data\":" + eventData + json.substring(end);
    }

    static byte[] batch(String... items) {
        return ("{\"events\":[" + String.join(",", items) + "]}").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Decodes {@code body} from the array and again from a stream (as DataStorage decodes a gzip
     * body while inflating it), checking that both read it alike: the same refusal, or the same
     * items with the same violations.
     */
    private List<EventDecoder.Decoded> decode(byte[] body) {
        List<EventDecoder.Decoded> fromArray;
        try {
            fromArray = decoder.decodeBatch(body, NOW, 100);
        } catch (BodyRefusal refusal) {
            assertThatThrownBy(() -> decoder.decodeBatch(new ByteArrayInputStream(body), NOW, 100))
                    .isInstanceOf(BodyRefusal.class)
                    .hasMessage(refusal.getMessage());
            throw refusal;
        }
        List<EventDecoder.Decoded> fromStream = decoder.decodeBatch(new ByteArrayInputStream(body), NOW, 100);
        assertThat(fromStream).hasSameSizeAs(fromArray);
        for (int i = 0; i < fromArray.size(); i++) {
            EventDecoder.Decoded a = fromArray.get(i);
            EventDecoder.Decoded b = fromStream.get(i);
            assertThat(b.violations()).as("item %d", i).isEqualTo(a.violations());
            if (a.valid() && a.eventId().equals(b.eventId())) {
                assertThat(b.event()).as("item %d", i).isEqualTo(a.event());
            }
        }
        return fromArray;
    }

    @Test
    void numbersInEventDataKeepTheirExactText() throws Exception {
        String data = "{\"huge\":1e400,\"precise\":0.1000000000000000055511151231257827,"
                + "\"big\":-123456789012345678901234567890,\"scaled\":1.500}";

        EventDecoder.Decoded d = decode(batch(item(data))).get(0);

        assertThat(d.violations()).isEmpty();
        assertThat(d.event().eventData().json()).isEqualTo(data);
        assertThat(AuditJson.mapper().writeValueAsString(d.event())).contains("\"event_data\":" + data);
    }

    @Test
    void oneBadItemNeverFailsTheBatch() throws Exception {
        List<EventDecoder.Decoded> decoded = decode(batch(item("{}"), "42", item("[1]"), item("{\"ok\":true}")));

        assertThat(decoded).extracting(EventDecoder.Decoded::valid).containsExactly(true, false, false, true);
        assertThat(decoded.get(1).violations())
                .containsExactly(new FieldViolation("event", "must be a JSON object (got a number)"));
        assertThat(decoded.get(2).violations())
                .containsExactly(new FieldViolation("event_data", "must be a JSON object (got an array)"));
    }

    @Test
    void aDuplicateTopLevelFieldRejectsTheItemNamingIt() throws Exception {
        String twice = item("{}").replaceFirst("\\{", "{\"actor_id\":\"mallory\",");

        assertThat(decode(batch(twice, item("{}"))))
                .satisfiesExactly(
                        d -> assertThat(d.violations())
                                .containsExactly(new FieldViolation(
                                        "actor_id", "duplicate key: a field may appear only once in an event")),
                        d -> assertThat(d.valid()).isTrue());
    }

    @Test
    void aDuplicateKeyInsideEventDataRejectsTheItemNamingItsPath() throws Exception {
        assertThat(decode(batch(item("{\"a\":[{\"x\":1,\"x\":2}]}"))).get(0).violations())
                .containsExactly(new FieldViolation(
                        "event_data.a[0].x", "duplicate key: a key may appear only once in an object"));
    }

    @Test
    void aThousandDigitNumberIsRejectedNamingTheNumberLengthLimit() throws Exception {
        assertThat(decode(batch(item("{\"n\":" + "1".repeat(1000) + "}")))
                        .get(0)
                        .violations())
                .containsExactly(
                        new FieldViolation("event_data.n", "must be a number of at most 100 characters (got 1000)"));
    }

    @Test
    void aHugeNumberOutsideEventDataIsATypeErrorNotACrash() throws Exception {
        String item = item("{}").replace("\"duration_ms\":1250", "\"duration_ms\":" + "9".repeat(100_000));

        assertThat(decode(batch(item)).get(0).violations())
                .containsExactly(
                        new FieldViolation("duration_ms", "must be an integer number of milliseconds (got a number)"));
    }

    @Test
    void aDuplicateEventsArrayIsRefused() throws Exception {
        byte[] body = ("{\"events\":[" + item("{}") + "],\"events\":[]}").getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> decode(body))
                .isInstanceOf(BodyRefusal.class)
                .hasMessage("duplicate key: \"events\" may appear only once in the body");
    }

    @Test
    void moreItemsThanTheLimitAreRefusedCountingThemAll() throws Exception {
        String one = item("{}");
        String[] items = new String[103];
        java.util.Arrays.fill(items, one);

        assertThatThrownBy(() -> decode(batch(items)))
                .isInstanceOf(BodyRefusal.class)
                .hasMessage("events: must hold at most max_batch_size 100 events (got 103); split the batch")
                .satisfies(e -> assertThat(((BodyRefusal) e).limit()).isEqualTo(100L));
    }

    @ParameterizedTest
    @ValueSource(strings = {"UTF-16BE", "UTF-16LE", "UTF-32BE", "UTF-32LE", "UTF-16"})
    void bodiesInOtherUnicodeEncodingsAreRefusedNamingTheRule(String charset) throws Exception {
        byte[] body = new String(batch(item("{}")), StandardCharsets.UTF_8).getBytes(Charset.forName(charset));

        assertThatThrownBy(() -> decode(body))
                .isInstanceOf(BodyRefusal.class)
                .hasMessageStartingWith("the body must be JSON encoded as UTF-8 without a byte order mark (got ");
    }

    @Test
    void aUtf8ByteOrderMarkIsRefused() throws Exception {
        byte[] json = batch(item("{}"));
        byte[] body = new byte[json.length + 3];
        body[0] = (byte) 0xEF;
        body[1] = (byte) 0xBB;
        body[2] = (byte) 0xBF;
        System.arraycopy(json, 0, body, 3, json.length);

        assertThatThrownBy(() -> decode(body))
                .isInstanceOf(BodyRefusal.class)
                .hasMessage("the body must be JSON encoded as UTF-8 without a byte order mark"
                        + " (got a UTF-8 byte order mark)");
    }

    @Test
    void invalidUtf8IsRefused() {
        byte[] body = "{\"events\":[\"\u00e9\"]}".getBytes(StandardCharsets.ISO_8859_1);

        assertThatThrownBy(() -> decode(body))
                .isInstanceOf(BodyRefusal.class)
                .hasMessageStartingWith("the body is not valid JSON in UTF-8: ");
    }

    @Test
    void trailingContentAfterTheBatchIsRefused() throws Exception {
        byte[] body = (new String(batch(item("{}")), StandardCharsets.UTF_8) + " {}").getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> decode(body)).isInstanceOf(BodyRefusal.class);
    }

    @Test
    void aTreeHoldingANonFiniteDoubleIsStoredAsItsStringAsBefore() throws Exception {
        com.fasterxml.jackson.databind.node.ObjectNode tree =
                AuditJson.mapper().valueToTree(TestEvents.full().build());
        tree.putObject("event_data").put("x", Double.POSITIVE_INFINITY);

        EventDecoder.Decoded d = decoder.decode(tree, NOW);

        assertThat(d.event().eventData().json()).isEqualTo("{\"x\":\"Infinity\"}");
    }
}
