package dev.auditline.api.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.auditline.api.AuditEvent;
import dev.auditline.api.EventData;
import dev.auditline.api.TestEvents;
import dev.auditline.api.ValidationLimits;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/**
 * Whole request bodies through the decoder. Whatever the bytes, it answers a refusal of the body
 * or one result per item, never another exception and never a hang; every event it accepts
 * round-trips exactly: written with the wire mapper and decoded again, it is the same event with
 * the same {@code event_data} text.
 *
 * <p>The inputs under {@code EventDecoderFuzzTestInputs/} (seeds and every crasher found) run as
 * regression tests in every build; {@code JAZZER_FUZZ=1} fuzzes (see the README).
 */
class EventDecoderFuzzTest {
    private static final Instant NOW = TestEvents.TIMESTAMP.plusSeconds(60);
    private static final int MAX_BATCH_SIZE = 20;
    private final EventDecoder decoder = new EventDecoder(ValidationLimits.DEFAULTS);

    @FuzzTest(maxDuration = "3m")
    void anyBatchBodyIsDecodedOrRefusedAndAcceptedEventsRoundTrip(byte[] body) throws Exception {
        List<EventDecoder.Decoded> decoded;
        try {
            decoded = decoder.decodeBatch(body, NOW, MAX_BATCH_SIZE);
        } catch (BodyRefusal refusal) {
            assertThat(refusal.getMessage()).isNotBlank();
            return;
        }
        assertThat(decoded).isNotEmpty().hasSizeLessThanOrEqualTo(MAX_BATCH_SIZE);
        for (EventDecoder.Decoded d : decoded) {
            if (!d.valid()) {
                assertThat(d.violations()).isNotEmpty();
                assertThat(d.violations())
                        .allSatisfy(v -> assertThat(v.field() + v.detail()).doesNotContain("\u0000"));
                continue;
            }
            AuditEvent event = d.event();
            byte[] wire = AuditJson.mapper().writeValueAsBytes(event);
            EventDecoder.Decoded again = decoder.decodeSingle(wire, NOW);
            assertThat(again.violations()).isEmpty();
            assertThat(again.event()).isEqualTo(event);
            assertThat(again.event().eventData().json())
                    .isEqualTo(event.eventData().json());
            assertThat(event.eventData().jsonBytes())
                    .isEqualTo(event.eventData().json().getBytes(StandardCharsets.UTF_8).length);
        }
    }

    @FuzzTest(maxDuration = "3m")
    void eventDataTextParsesToItsOwnCompactFormOrIsRefused(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        EventData data;
        try {
            data = EventData.parse(text);
        } catch (IllegalArgumentException refused) {
            assertThat(refused.getMessage()).startsWith("event_data: ");
            return;
        }
        EventData again = EventData.parse(data.json());
        assertThat(again.json()).isEqualTo(data.json());
        assertThat(again.depth()).isEqualTo(data.depth());
        assertThat(again).isEqualTo(data).hasSameHashCodeAs(data);
    }
}
