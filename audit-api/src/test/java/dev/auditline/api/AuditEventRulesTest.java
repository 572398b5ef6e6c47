package dev.auditline.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class AuditEventRulesTest {

    private static List<FieldViolation> violationsOf(AuditEvent.Builder builder) {
        return builder.violations(ValidationLimits.DEFAULTS);
    }

    private static FieldViolation onlyViolationOf(AuditEvent.Builder builder) {
        List<FieldViolation> violations = violationsOf(builder);
        assertThat(violations).hasSize(1);
        return violations.get(0);
    }

    @Test
    void aMinimalEventBuildsWithDefaultsFilledIn() {
        AuditEvent event = TestEvents.minimal().build();

        assertThat(event.version()).isEqualTo("1.0");
        assertThat(event.eventId().version()).isEqualTo(7);
        assertThat(event.eventData()).isEqualTo(EventData.EMPTY);
        assertThat(event.ingestedAt()).isNull();
        assertThat(event.ingestSeq()).isNull();
    }

    @Test
    void aFullEventBuildsWithEveryFieldKept() {
        AuditEvent event = TestEvents.full().build();

        assertThat(event.actorIp()).isEqualTo("10.1.2.3");
        assertThat(event.durationMs()).isEqualTo(1250L);
        assertThat(event.traceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(event.eventData().node().get("approver").textValue()).isEqualTo("alice");
    }

    @Test
    void buildTruncatesTheTimestampToMicroseconds() {
        Instant nanos = Instant.parse("2026-11-26T18:31:04.123456789Z");

        AuditEvent event = TestEvents.minimal().eventTimestamp(nanos).build();

        assertThat(event.eventTimestamp()).isEqualTo(Instant.parse("2026-11-26T18:31:04.123456Z"));
    }

    @Test
    void buildDefaultsTheTimestampToNow() {
        Instant before = Instant.now().truncatedTo(ChronoUnit.MICROS);

        AuditEvent event = TestEvents.minimal().eventTimestamp(null).build();

        assertThat(event.eventTimestamp()).isBetween(before, Instant.now());
    }

    @Test
    void buildKeepsAnExplicitEventId() {
        UUID id = UuidV7.next();

        assertThat(TestEvents.minimal().eventId(id).build().eventId()).isEqualTo(id);
    }

    @Test
    void buildThrowsWithEveryViolationAtOnce() {
        AuditEvent.Builder builder = TestEvents.minimal()
                .eventType("Bad Type")
                .eventOutcome(null)
                .actorId("")
                .durationMs(-5L);

        assertThatThrownBy(builder::build)
                .isInstanceOfSatisfying(AuditEventValidationException.class, e -> assertThat(e.violations())
                        .containsExactly(
                                new FieldViolation(
                                        "event_type",
                                        "must look like {service}.{domain}.{action}: at least three dot-separated"
                                                + " parts of [a-z0-9_-] (got \"Bad Type\")"),
                                new FieldViolation("event_outcome", "is required: one of success, failure, pending"),
                                new FieldViolation("actor_id", "must not be empty: 1 to 255 characters"),
                                new FieldViolation("duration_ms", "must be ≥ 0 (got -5)")))
                .hasMessage("invalid audit event: event_type: must look like {service}.{domain}.{action}: at least"
                        + " three dot-separated parts of [a-z0-9_-] (got \"Bad Type\"); event_outcome: is required: one"
                        + " of success, failure, pending; actor_id: must not be empty: 1 to 255 characters;"
                        + " duration_ms: must be ≥ 0 (got -5)");
    }

    @Test
    void anEmptyBuilderReportsEveryRequiredField() {
        List<FieldViolation> violations =
                AuditEvent.builder().eventData((EventData) null).violations(ValidationLimits.DEFAULTS);

        assertThat(violations)
                .containsExactly(
                        new FieldViolation("event_type", "is required: 1 to 100 characters"),
                        new FieldViolation("event_category", "is required: 1 to 50 characters"),
                        new FieldViolation("event_action", "is required: 1 to 50 characters"),
                        new FieldViolation("event_outcome", "is required: one of success, failure, pending"),
                        new FieldViolation("event_timestamp", "is required (RFC 3339 with offset)"),
                        new FieldViolation("correlation_id", "is required: 1 to 255 characters"),
                        new FieldViolation("actor_type", "is required: 1 to 50 characters"),
                        new FieldViolation("actor_id", "is required: 1 to 255 characters"),
                        new FieldViolation("resource_type", "is required: 1 to 100 characters"),
                        new FieldViolation("resource_id", "is required: 1 to 255 characters"),
                        new FieldViolation(
                                "event_data", "is required: a JSON object ({} when there is nothing to add)"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"2.0", "1", ""})
    void versionOtherThanOnePointZeroIsRejected(String version) {
        assertThat(onlyViolationOf(TestEvents.minimal().version(version)))
                .isEqualTo(new FieldViolation("version", "must be \"1.0\" (got \"" + version + "\")"));
    }

    @Test
    void missingVersionIsRejectedAsNothing() {
        assertThat(onlyViolationOf(TestEvents.minimal().version(null)))
                .isEqualTo(new FieldViolation("version", "must be \"1.0\" (got nothing)"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"orchestrator.approval", "Orchestrator.approval.requested", "a..b", "a.b.c d", "a.b.c."})
    void eventTypeNotShapedServiceDomainActionIsRejected(String eventType) {
        assertThat(onlyViolationOf(TestEvents.minimal().eventType(eventType)))
                .isEqualTo(new FieldViolation(
                        "event_type",
                        "must look like {service}.{domain}.{action}: at least three dot-separated parts of"
                                + " [a-z0-9_-] (got \"" + eventType + "\")"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"orchestrator.approval.requested", "a.b.c.d", "svc-1.do_main.act-2"})
    void eventTypeWithThreeOrMoreLowercaseDottedPartsIsAccepted(String eventType) {
        assertThat(violationsOf(TestEvents.minimal().eventType(eventType))).isEmpty();
    }

    @Test
    void longValueIsQuotedShortenedInTheMessage() {
        String eventType = "X".repeat(60);

        assertThat(onlyViolationOf(TestEvents.minimal().eventType(eventType)).detail())
                .endsWith("(got \"" + "X".repeat(40) + "…\")");
    }

    @Test
    void shortenedValueNeverEndsInHalfASurrogatePair() {
        String eventType = "X".repeat(39) + "\uD83D\uDE00" + "tail";

        String detail =
                onlyViolationOf(TestEvents.minimal().eventType(eventType)).detail();

        assertThat(detail).endsWith("(got \"" + "X".repeat(39) + "…\")");
    }

    static Stream<Arguments> lengthLimits() {
        return Stream.of(
                limit("event_type", 100, AuditEvent.Builder::eventType),
                limit("event_category", 50, AuditEvent.Builder::eventCategory),
                limit("event_action", 50, AuditEvent.Builder::eventAction),
                limit("correlation_id", 255, AuditEvent.Builder::correlationId),
                limit("actor_type", 50, AuditEvent.Builder::actorType),
                limit("actor_id", 255, AuditEvent.Builder::actorId),
                limit("resource_type", 100, AuditEvent.Builder::resourceType),
                limit("resource_id", 255, AuditEvent.Builder::resourceId),
                limit("resource_name", 255, AuditEvent.Builder::resourceName),
                limit("namespace", 253, AuditEvent.Builder::namespace),
                limit("cluster_id", 255, AuditEvent.Builder::clusterId),
                limit("severity", 20, AuditEvent.Builder::severity),
                limit("error_code", 100, AuditEvent.Builder::errorCode),
                limit("error_message", 4096, AuditEvent.Builder::errorMessage));
    }

    private static Arguments limit(String field, int max, BiConsumer<AuditEvent.Builder, String> setter) {
        return Arguments.of(field, max, setter);
    }

    /** A value of {@code length} characters that also passes the field's other rules. */
    private static String valueOfLength(String field, int length) {
        return field.equals("event_type") ? "a.b." + "c".repeat(length - 4) : "v".repeat(length);
    }

    @ParameterizedTest(name = "{0} of {1} characters is accepted")
    @MethodSource("lengthLimits")
    void textAtItsMaximumLengthIsAccepted(String field, int max, BiConsumer<AuditEvent.Builder, String> setter) {
        AuditEvent.Builder builder = TestEvents.minimal();
        setter.accept(builder, valueOfLength(field, max));

        assertThat(violationsOf(builder)).isEmpty();
    }

    @ParameterizedTest(name = "{0} over {1} characters is rejected")
    @MethodSource("lengthLimits")
    void textOverItsMaximumLengthIsRejectedNamingLimitAndLength(
            String field, int max, BiConsumer<AuditEvent.Builder, String> setter) {
        AuditEvent.Builder builder = TestEvents.minimal();
        setter.accept(builder, valueOfLength(field, max + 1));

        assertThat(onlyViolationOf(builder))
                .isEqualTo(new FieldViolation(field, "must be at most " + max + " characters (got " + (max + 1) + ")"));
    }

    @ParameterizedTest(name = "empty {0} is rejected")
    @MethodSource("lengthLimits")
    void emptyTextIsRejectedNamingTheAllowedRange(
            String field, int max, BiConsumer<AuditEvent.Builder, String> setter) {
        AuditEvent.Builder builder = TestEvents.minimal();
        setter.accept(builder, "");

        assertThat(onlyViolationOf(builder))
                .isEqualTo(new FieldViolation(field, "must not be empty: 1 to " + max + " characters"));
    }

    @ParameterizedTest(name = "NUL in {0} is rejected")
    @MethodSource("lengthLimits")
    void textWithANulCharacterIsRejectedWithItsIndex(
            String field, int max, BiConsumer<AuditEvent.Builder, String> setter) {
        AuditEvent.Builder builder = TestEvents.minimal();
        setter.accept(builder, "ab\u0000c");

        assertThat(onlyViolationOf(builder))
                .isEqualTo(new FieldViolation(field, "must not contain the NUL character (U+0000, at index 2)"));
    }

    @ParameterizedTest(name = "unpaired surrogate in {0} is rejected")
    @MethodSource("lengthLimits")
    void textWithAnUnpairedSurrogateIsRejectedWithItsIndex(
            String field, int max, BiConsumer<AuditEvent.Builder, String> setter) {
        AuditEvent.Builder builder = TestEvents.minimal();
        setter.accept(builder, "abc\uD800");

        assertThat(onlyViolationOf(builder))
                .isEqualTo(new FieldViolation(field, "must be valid Unicode text (unpaired surrogate at index 3)"));
    }

    @Test
    void aLoneLowSurrogateIsRejectedToo() {
        assertThat(onlyViolationOf(TestEvents.minimal().actorId("\uDC00x")))
                .isEqualTo(
                        new FieldViolation("actor_id", "must be valid Unicode text (unpaired surrogate at index 0)"));
    }

    @Test
    void lengthIsCountedInCodePointsNotUtf16Units() {
        String fiftyEmoji = "\uD83D\uDE00".repeat(50);

        assertThat(violationsOf(TestEvents.minimal().eventCategory(fiftyEmoji))).isEmpty();
        assertThat(onlyViolationOf(TestEvents.minimal().eventCategory(fiftyEmoji + "x")))
                .isEqualTo(new FieldViolation("event_category", "must be at most 50 characters (got 51)"));
    }

    @Test
    void missingOutcomeIsRejectedListingTheChoices() {
        assertThat(onlyViolationOf(TestEvents.minimal().eventOutcome(null)))
                .isEqualTo(new FieldViolation("event_outcome", "is required: one of success, failure, pending"));
    }

    @Test
    void unknownOutcomeWireNameIsRejectedListingTheChoices() {
        assertThatThrownBy(() -> EventOutcome.fromWire("SUCCESS"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("must be one of success, failure, pending (got \"SUCCESS\")");
    }

    @Test
    void missingTimestampIsReportedByViolations() {
        assertThat(onlyViolationOf(TestEvents.minimal().eventTimestamp(null)))
                .isEqualTo(new FieldViolation("event_timestamp", "is required (RFC 3339 with offset)"));
    }

    @Test
    void missingEventDataIsRejected() {
        assertThat(onlyViolationOf(TestEvents.minimal().eventData((EventData) null)))
                .isEqualTo(new FieldViolation(
                        "event_data", "is required: a JSON object ({} when there is nothing to add)"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.1", "255.255.255.255", "::1", "2001:db8::8a2e:370:7334", "::ffff:192.0.2.1"})
    void actorIpAcceptsIpv4AndIpv6Literals(String ip) {
        assertThat(violationsOf(TestEvents.minimal().actorIp(ip))).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"300.1.1.1", "10.0.0", "localhost", "example.com", "1.2.3.4.5", "", "2001:db8::g"})
    void actorIpRejectsAnythingButAnAddressLiteral(String ip) {
        assertThat(onlyViolationOf(TestEvents.minimal().actorIp(ip)))
                .isEqualTo(new FieldViolation("actor_ip", "must be an IPv4 or IPv6 address (got \"" + ip + "\")"));
    }

    @Test
    void negativeDurationIsRejected() {
        assertThat(onlyViolationOf(TestEvents.minimal().durationMs(-1L)))
                .isEqualTo(new FieldViolation("duration_ms", "must be ≥ 0 (got -1)"));
    }

    @Test
    void zeroDurationIsAccepted() {
        assertThat(violationsOf(TestEvents.minimal().durationMs(0L))).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "4BF92F3577B34DA6A3CE929D0E0E4736",
                "00000000000000000000000000000000",
                "4bf92f3577b34da6a3ce929d0e0e473",
                "4bf92f3577b34da6a3ce929d0e0e47360",
                "4bf92f3577b34da6a3ce929d0e0e473z"
            })
    void traceIdMustBe32LowercaseHexDigitsNotAllZero(String traceId) {
        assertThat(onlyViolationOf(TestEvents.minimal().traceId(traceId)))
                .isEqualTo(new FieldViolation(
                        "trace_id",
                        "must be 32 lowercase hex digits, not all zero (W3C trace context) (got \"" + traceId + "\")"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"00F067AA0BA902B7", "0000000000000000", "00f067aa0ba902b", "00f067aa0ba902b7a"})
    void spanIdMustBe16LowercaseHexDigitsNotAllZero(String spanId) {
        assertThat(onlyViolationOf(TestEvents.minimal().spanId(spanId)))
                .isEqualTo(new FieldViolation(
                        "span_id",
                        "must be 16 lowercase hex digits, not all zero (W3C trace context) (got \"" + spanId + "\")"));
    }

    @Test
    void aValidationFailureLeavesTheBuilderUsable() {
        AuditEvent.Builder builder = TestEvents.minimal().eventTimestamp(null).actorId(null);
        assertThatThrownBy(builder::build).isInstanceOf(AuditEventValidationException.class);

        List<FieldViolation> again = builder.violations(ValidationLimits.DEFAULTS);

        assertThat(again).extracting(FieldViolation::field).containsExactly("event_timestamp", "actor_id");
    }

    @Test
    void toBuilderCopiesEveryField() {
        AuditEvent event = TestEvents.full().build();

        assertThat(event.toBuilder().build()).isEqualTo(event);
    }

    @Test
    void withIngestionAddsTheServerFieldsAndKeepsTheRest() {
        AuditEvent event = TestEvents.full().build();
        Instant ingested = Instant.parse("2026-11-26T18:31:05.000001Z");

        AuditEvent stored = event.withIngestion(ingested, 42, "datastorage-0");

        assertThat(stored.ingestedAt()).isEqualTo(ingested);
        assertThat(stored.ingestSeq()).isEqualTo(42L);
        assertThat(stored.ingestedBy()).isEqualTo("datastorage-0");
        assertThat(stored.toBuilder().build()).isEqualTo(event);
    }

    @Test
    void violationPrintsAsFieldColonDetail() {
        assertThat(new FieldViolation("actor_id", "is required")).hasToString("actor_id: is required");
    }
}
