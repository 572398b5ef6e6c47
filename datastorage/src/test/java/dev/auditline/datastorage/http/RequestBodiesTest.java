package dev.auditline.datastorage.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The tree path other routes (the Kubernetes webhook) read their bodies through. */
class RequestBodiesTest {
    private static ApiProblem refusal(String json) {
        return refusal(json.getBytes(StandardCharsets.UTF_8));
    }

    private static ApiProblem refusal(byte[] body) {
        try {
            RequestBodies.parseJson(body);
        } catch (ApiProblem problem) {
            return problem;
        }
        throw new AssertionError("accepted");
    }

    @Test
    void aNumberPastTheReadersLengthLimitIsNamedAsSuchNotAsNesting() {
        ApiProblem problem = refusal("{\"n\":" + "1".repeat(2000) + "}");

        assertThat(problem.problem().status()).isEqualTo(400);
        assertThat(problem.problem().detail())
                .startsWith("the body is past a limit of the JSON reader: Number value length (2000)")
                .doesNotContain("nests");
    }

    @Test
    void nestingPastTheDocumentLimitIsNamedWithTheLimit() {
        assertThat(refusal("[".repeat(65) + "]".repeat(65)).problem().detail())
                .startsWith("the body nests deeper than 64 levels");
    }

    @Test
    void aByteOrderMarkIsRefusedNamingTheEncodingRule() {
        byte[] body = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, '{', '}'};

        assertThat(refusal(body).problem().detail()).contains("UTF-8 without a byte order mark");
    }

    @Test
    void aKeyRepeatedAnywhereIsRefusedNamingTheKey() {
        ApiProblem problem = refusal("{\"items\":[{\"verb\":\"get\",\"user\":{},\"verb\":\"delete\"}]}");

        assertThat(problem.problem().status()).isEqualTo(400);
        assertThat(problem.problem().detail())
                .isEqualTo("the body repeats the key \"verb\" in one object: a key may appear only once");
    }

    @Test
    void aPlainDocumentIsRead() {
        assertThat(RequestBodies.parseJson("{\"a\":[1]}".getBytes(StandardCharsets.UTF_8))
                        .get("a")
                        .get(0)
                        .intValue())
                .isEqualTo(1);
        assertThatThrownBy(() -> RequestBodies.parseJson("{".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(ApiProblem.class);
    }
}
