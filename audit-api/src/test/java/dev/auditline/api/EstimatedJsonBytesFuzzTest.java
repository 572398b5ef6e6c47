package dev.auditline.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.auditline.api.json.AuditJson;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The property {@link EstimatedJsonBytesPropertyTest} holds over seeded random events, with the
 * fuzzer choosing the text: an event's estimate is never below its serialized size, and its
 * {@code event_data} size is the exact UTF-8 size of the text it writes. Events the rules refuse
 * are skipped; the fuzzer still explores every string the builder accepts.
 */
class EstimatedJsonBytesFuzzTest {

    @FuzzTest(maxDuration = "3m")
    void estimateIsNeverBelowTheSerializedSize(FuzzedDataProvider data) throws Exception {
        Map<String, Object> map = new LinkedHashMap<>();
        int members = data.consumeInt(0, 8);
        for (int i = 0; i < members; i++) {
            String key = data.consumeString(30);
            Object value =
                    switch (data.consumeInt(0, 5)) {
                        case 0 -> data.consumeString(200);
                        case 1 -> data.consumeLong();
                        case 2 -> data.consumeDouble();
                        case 3 -> data.consumeBoolean();
                        case 4 -> List.of(data.consumeString(20), data.consumeInt());
                        default -> Map.of("nested", data.consumeString(50));
                    };
            map.put(key, value);
        }
        EventData eventData = EventData.of(map);
        AuditEvent.Builder b = TestEvents.minimal()
                .eventCategory(data.consumeString(50))
                .eventAction(data.consumeString(50))
                .correlationId(data.consumeString(255))
                .actorType(data.consumeString(50))
                .actorId(data.consumeString(255))
                .resourceType(data.consumeString(100))
                .resourceId(data.consumeString(255))
                .eventData(eventData);
        if (data.consumeBoolean()) {
            b.resourceName(data.consumeString(255)).namespace(data.consumeString(253));
        }
        if (data.consumeBoolean()) {
            b.errorCode(data.consumeString(100)).errorMessage(data.consumeString(4096));
        }
        if (data.consumeBoolean()) {
            b.durationMs(data.consumeLong(0, Long.MAX_VALUE));
        }
        if (!b.violations(ValidationLimits.DEFAULTS).isEmpty()) {
            return;
        }
        AuditEvent event = b.build();

        int actual = AuditJson.mapper().writeValueAsBytes(event).length;

        assertThat(event.estimatedJsonBytes()).isGreaterThanOrEqualTo(actual);
        assertThat(eventData.jsonBytes())
                .isEqualTo(eventData.json().getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
    }
}
