package dev.auditline.datastorage.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class QueryStringTest {

    @Test
    void decodesEscapesPlusAndUtf8AndKeepsRepeatsInOrder() {
        Map<String, List<String>> p = QueryString.parse("a=x+y&b=%2B1&c=caf%C3%A9&a=%F0%9F%98%80&d&=e&&");

        assertThat(p)
                .containsExactly(
                        Map.entry("a", List.of("x y", "😀")),
                        Map.entry("b", List.of("+1")),
                        Map.entry("c", List.of("café")),
                        Map.entry("d", List.of("")),
                        Map.entry("", List.of("e")));
    }

    @Test
    void noQueryIsNoParameters() {
        assertThat(QueryString.parse(null)).isEmpty();
        assertThat(QueryString.parse("")).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "%",
                "%zz",
                "%4",
                "abc%",
                "%%41",
                "%C0%AF",
                "%E0%80%AF",
                "%ED%A0%80",
                "%FF",
                "%C3",
                "%F4%90%80%80"
            })
    void refusesABadValueNamingItsParameter(String value) {
        assertThatThrownBy(() -> QueryString.parse("correlation_id=" + value))
                .isInstanceOfSatisfying(ApiProblem.class, e -> {
                    assertThat(e.problem().status()).isEqualTo(400);
                    assertThat(e.problem().extensions()).containsEntry("parameter", "correlation_id");
                    assertThat(e.problem().detail()).startsWith("correlation_id: ");
                });
    }

    @Test
    void refusesABadNameNamingItAsSent() {
        assertThatThrownBy(() -> QueryString.parse("x%zz=1")).isInstanceOfSatisfying(ApiProblem.class, e -> assertThat(
                        e.problem().extensions())
                .containsEntry("parameter", "x%zz"));
    }
}
