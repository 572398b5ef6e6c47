package dev.auditline.datastorage.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.auditline.api.wire.Problem;
import dev.auditline.datastorage.store.EventQuery;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * Any raw query string becomes a checked query or a {@code 400} naming a parameter, never another
 * exception. The inputs under {@code QueryParametersFuzzTestInputs/} run as regression tests in
 * every build; {@code JAZZER_FUZZ=1} fuzzes for new ones (docs/datastorage.md).
 */
class QueryParametersFuzzTest {
    private static final Instant NOW = Instant.parse("2026-03-15T10:15:30.123456Z");

    @FuzzTest(maxDuration = "2m")
    void eventsQueryIsCheckedOrRefusedNamingTheParameter(byte[] input) {
        String raw = new String(input, StandardCharsets.UTF_8);
        try {
            EventQuery q = QueryRoutes.parse(QueryString.parse(raw), NOW, EventQuery.DEFAULT_MAX_PAGE_BYTES);
            assertThat(q.limit()).isBetween(1, EventQuery.MAX_LIMIT);
            if (q.since() != null) {
                assertThat(EventQuery.inRange(q.since())).isTrue();
            }
            if (q.until() != null) {
                assertThat(EventQuery.inRange(q.until())).isTrue();
                assertThat(q.since() == null || q.since().isBefore(q.until())).isTrue();
            }
            if (q.after() != null) {
                assertThat(EventQuery.inRange(q.after().eventTimestamp())).isTrue();
            }
        } catch (ApiProblem e) {
            assertNamesAParameter(e);
        }
    }

    @FuzzTest(maxDuration = "2m")
    void logQueryIsCheckedOrRefusedNamingTheParameter(byte[] input) {
        String raw = new String(input, StandardCharsets.UTF_8);
        try {
            LogRoutes.Request r = LogRoutes.parse(QueryString.parse(raw));
            assertThat(r.after()).isBetween(-1L, Long.MAX_VALUE - 1);
            assertThat(r.limit()).isBetween(1, LogRoutes.MAX_LIMIT);
            assertThat(r.maxWait()).isBetween(java.time.Duration.ZERO, LogRoutes.MAX_WAIT);
        } catch (ApiProblem e) {
            assertNamesAParameter(e);
        }
    }

    private static void assertNamesAParameter(ApiProblem e) {
        Problem p = e.problem();
        assertThat(p.status()).isEqualTo(400);
        Object parameter = p.extensions().get("parameter");
        assertThat(parameter).isInstanceOf(String.class);
        assertThat(p.detail()).startsWith(parameter + ": ");
    }
}
