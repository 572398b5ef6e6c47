package dev.auditline.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.auditline.api.json.AuditJson;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Builders;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class EstimatedJsonBytesPropertyTest {

    @Property(tries = 200)
    void estimateIsNeverBelowTheSerializedSize(@ForAll("events") AuditEvent event) throws Exception {
        int actual = AuditJson.mapper().writeValueAsBytes(event).length;

        assertThat(event.estimatedJsonBytes()).isGreaterThanOrEqualTo(actual);
    }

    /** Valid text of 1 to {@code max} characters, often with characters JSON escapes or UTF-8 widens. */
    private static Arbitrary<String> text(int max) {
        Arbitrary<String> anyBmp = Arbitraries.strings()
                .withCharRange('\u0001', '\uD7FF')
                .withCharRange('\uE000', '\uFFFF')
                .ofMinLength(1)
                .ofMaxLength(max);
        Arbitrary<String> escaped = Arbitraries.strings()
                .withCharRange('\u0001', '\u001F')
                .withChars("\"\\/aé€")
                .ofMinLength(1)
                .ofMaxLength(max);
        Arbitrary<String> emoji = Arbitraries.integers().between(1, max).map("\uD83D\uDE00"::repeat);
        return Arbitraries.oneOf(anyBmp, escaped, emoji);
    }

    private static Arbitrary<EventData> eventData() {
        Arbitrary<Object> values = Arbitraries.oneOf(
                text(200).map(s -> (Object) s),
                Arbitraries.longs().map(n -> (Object) n),
                Arbitraries.doubles().map(d -> (Object) d),
                Arbitraries.of(true, false).map(b -> (Object) b));
        Arbitrary<Map<String, Object>> maps = Arbitraries.maps(text(30), values).ofMaxSize(8);
        return maps.map(EventData::of);
    }

    @Provide
    Arbitrary<AuditEvent> events() {
        return Builders.withBuilder(TestEvents::minimal)
                .use(text(50))
                .in(AuditEvent.Builder::eventCategory)
                .use(text(50))
                .in(AuditEvent.Builder::eventAction)
                .use(text(255))
                .in(AuditEvent.Builder::correlationId)
                .use(text(50))
                .in(AuditEvent.Builder::actorType)
                .use(text(255))
                .in(AuditEvent.Builder::actorId)
                .use(text(100))
                .in(AuditEvent.Builder::resourceType)
                .use(text(255))
                .in(AuditEvent.Builder::resourceId)
                .use(eventData())
                .in(AuditEvent.Builder::eventData)
                .use(text(255))
                .withProbability(0.5)
                .in(AuditEvent.Builder::resourceName)
                .use(text(253))
                .withProbability(0.5)
                .in(AuditEvent.Builder::namespace)
                .use(text(255))
                .withProbability(0.5)
                .in(AuditEvent.Builder::clusterId)
                .use(text(20))
                .withProbability(0.5)
                .in(AuditEvent.Builder::severity)
                .use(Arbitraries.longs().greaterOrEqual(0))
                .withProbability(0.5)
                .in(AuditEvent.Builder::durationMs)
                .use(text(100))
                .withProbability(0.5)
                .in(AuditEvent.Builder::errorCode)
                .use(text(4096))
                .withProbability(0.5)
                .in(AuditEvent.Builder::errorMessage)
                .build(AuditEvent.Builder::build);
    }
}
