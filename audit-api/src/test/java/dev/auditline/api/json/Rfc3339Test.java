package dev.auditline.api.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Random;
import java.util.regex.Pattern;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The hand-written parser against {@code OffsetDateTime.parse} as the oracle: over generated
 * near-valid texts it accepts exactly what the oracle accepts in RFC 3339's shape, with the same
 * instant. Each case is a fixed seed, so a failure names the seed that reproduces it.
 */
class Rfc3339Test {
    /** The contract's shape; the oracle (ISO 8601) also takes texts outside it, e.g. without seconds. */
    private static final Pattern SHAPE =
            Pattern.compile("\\d{4}-\\d{2}-\\d{2}[Tt]\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?([Zz]|[+-]\\d{2}:\\d{2})");

    static LongStream seeds() {
        return LongStream.range(0, 300);
    }

    private static Instant oracle(String text) {
        try {
            return OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME)
                    .toInstant()
                    .truncatedTo(ChronoUnit.MICROS);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static Instant ours(String text) {
        try {
            return Rfc3339.parse(text);
        } catch (Rfc3339.Refused e) {
            return null;
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void agreesWithTheOracleOnGeneratedTexts(long seed) {
        Random random = new Random(seed);
        for (int i = 0; i < 200; i++) {
            String text = text(random);
            Instant expected = SHAPE.matcher(text).matches() ? oracle(text) : null;

            assertThat(ours(text)).as(text).isEqualTo(expected);
        }
    }

    /** Fields around and past their ranges, fractions of 0-10 digits, either case, sometimes one edit. */
    private static String text(Random r) {
        StringBuilder s = new StringBuilder();
        s.append(pad(r.nextInt(10) == 0 ? r.nextInt(10_000) : 1900 + r.nextInt(300), 4));
        s.append('-').append(pad(r.nextInt(14), 2));
        s.append('-').append(pad(r.nextInt(10) < 3 ? 28 + r.nextInt(5) : r.nextInt(33), 2));
        s.append(r.nextBoolean() ? 'T' : 't');
        s.append(pad(r.nextInt(26), 2)).append(':').append(pad(r.nextInt(62), 2));
        s.append(':').append(pad(r.nextInt(62), 2));
        int fraction = r.nextInt(12) - 1;
        if (fraction >= 0) {
            s.append('.');
            for (int i = 0; i < fraction; i++) {
                s.append((char) ('0' + r.nextInt(10)));
            }
        }
        switch (r.nextInt(4)) {
            case 0 -> s.append('Z');
            case 1 -> s.append('z');
            default -> s.append(r.nextBoolean() ? '+' : '-')
                    .append(pad(r.nextInt(20), 2))
                    .append(':')
                    .append(pad(r.nextInt(62), 2));
        }
        if (r.nextInt(5) == 0) {
            int at = r.nextInt(s.length());
            switch (r.nextInt(3)) {
                case 0 -> s.deleteCharAt(at);
                case 1 -> s.insert(at, "0:-T.Z+ x".charAt(r.nextInt(9)));
                default -> s.setCharAt(at, (char) ('0' + r.nextInt(10)));
            }
        }
        return s.toString();
    }

    private static String pad(int v, int width) {
        String t = Integer.toString(v);
        return "0".repeat(Math.max(0, width - t.length())) + t;
    }

    @ParameterizedTest
    @CsvSource({
        "2024-02-29T00:00:00Z, 2024-02-29T00:00:00Z",
        "2000-02-29T23:59:59.999999999Z, 2000-02-29T23:59:59.999999Z",
        "2026-01-31T12:00:00.1+02:00, 2026-01-31T10:00:00.100Z",
        "2026-01-01t00:30:00z, 2026-01-01T00:30:00Z",
        "2026-01-01T00:30:00-18:00, 2026-01-01T18:30:00Z",
        "0000-01-01T00:00:00Z, 0000-01-01T00:00:00Z",
        "9999-12-31T23:59:59.999999+00:00, 9999-12-31T23:59:59.999999Z"
    })
    void acceptsTheEdgesOfTheContract(String text, String instant) {
        assertThat(ours(text)).isEqualTo(Instant.parse(instant));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "2023-02-29T00:00:00Z | day must be 01-28 in 2023-02 (got 29)",
                "1900-02-29T00:00:00Z | day must be 01-28 in 1900-02 (got 29)",
                "2026-13-01T00:00:00Z | month must be 01-12 (got 13)",
                "2026-12-31T23:59:60Z | second must be 00-59, leap seconds are not accepted (got 60)",
                "2026-12-31T24:00:00Z | hour must be 00-23 (got 24)",
                "2026-12-31T23:00Z | too short: expected YYYY-MM-DDTHH:MM:SS and an offset",
                "2026-12-31T23:00:00 | an offset is required: Z or ±HH:MM",
                "2026-12-31T23:00:00.Z | at least one digit after the '.'",
                "2026-12-31T23:00:00.1234567891Z | at most nine fractional digits (nanoseconds)",
                "2026-12-31T23:00:00+19:00 | the offset must be within ±18:00",
                "2026-12-31T23:00:00+01:00:30 | the offset must be ±HH:MM",
                "2026-12-31 23:00:00Z | 'T' must separate date and time (at index 10)",
                "+12026-12-31T23:00:00Z | year must be 4 digits (at index 0)"
            })
    void refusesNamingTheRule(String text, String rule) {
        assertThatThrownBy(() -> Rfc3339.parse(text))
                .isInstanceOf(Rfc3339.Refused.class)
                .hasMessage(rule);
    }

    @Test
    void theWireMessageNamesTheRule() {
        assertThatThrownBy(() -> AuditJson.parseTimestamp("2026-02-30T00:00:00Z"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("must be an RFC 3339 timestamp with offset, like 2026-01-31T12:00:00.000001Z"
                        + " (got \"2026-02-30T00:00:00Z\": day must be 01-28 in 2026-02 (got 30))");
    }
}
