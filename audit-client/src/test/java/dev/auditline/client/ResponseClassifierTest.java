package dev.auditline.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ResponseClassifierTest {

    private static Verdict status(int status) {
        return ResponseClassifier.classify(SendOutcome.status(status, null, "detail"));
    }

    @ParameterizedTest
    @ValueSource(ints = {200, 201, 202})
    void twoHundredsAreStored(int status) {
        assertThat(status(status)).isInstanceOf(Verdict.Stored.class);
    }

    @ParameterizedTest
    @ValueSource(ints = {429, 502, 503, 504})
    void overloadAndGatewayAnswersMeanUnavailable(int status) {
        assertThat(status(status)).isInstanceOf(Verdict.Unavailable.class);
    }

    @ParameterizedTest
    @ValueSource(ints = {500, 501, 505, 408})
    void otherServerErrorsFailTheBatch(int status) {
        assertThat(status(status)).isInstanceOf(Verdict.Failed.class);
    }

    @Test
    void anyAnswerWithRetryAfterMeansUnavailableAndCarriesTheDelay() {
        Verdict verdict = ResponseClassifier.classify(SendOutcome.status(500, Duration.ofSeconds(7), "busy"));

        assertThat(verdict).isEqualTo(new Verdict.Unavailable(Duration.ofSeconds(7), "status 500: busy"));
    }

    @Test
    void authAndRoutingFailuresHaveTheirOwnDropReasons() {
        assertThat(status(401)).isEqualTo(new Verdict.Undeliverable(DropReason.UNAUTHORIZED, "status 401: detail"));
        assertThat(status(403)).isEqualTo(new Verdict.Undeliverable(DropReason.UNAUTHORIZED, "status 403: detail"));
        assertThat(status(404)).isEqualTo(new Verdict.Undeliverable(DropReason.NOT_FOUND, "status 404: detail"));
        assertThat(status(405))
                .isEqualTo(
                        new Verdict.Undeliverable(DropReason.RETRIES_EXHAUSTED, "status 405: detail (not retryable)"));
    }

    @Test
    void tooLargeAndBadRequestAreTheirOwnVerdicts() {
        assertThat(status(413)).isInstanceOf(Verdict.TooLarge.class);
        assertThat(status(400)).isInstanceOf(Verdict.BadRequest.class);
    }

    @Test
    void noConnectionRefusedResetOrConnectTimeoutMeanUnavailable() {
        for (Exception e : List.of(
                new ConnectException("Connection refused"),
                new IOException("Connection reset"),
                new HttpConnectTimeoutException("HTTP connect timed out"))) {
            assertThat(ResponseClassifier.classify(e)).as(e.toString()).isInstanceOf(Verdict.Unavailable.class);
        }
    }

    @Test
    void aTimeoutAfterTheRequestWasSentFailsTheBatch() {
        Verdict verdict = ResponseClassifier.classify(new HttpTimeoutException("request timed out"));

        assertThat(verdict).isInstanceOf(Verdict.Failed.class);
        assertThat(verdict.answer()).contains("timed out after the request was sent");
    }

    @Test
    void aSinkBugFailsTheBatchSoItsRetriesBoundIt() {
        assertThat(ResponseClassifier.classify(new IllegalStateException("bug")))
                .isInstanceOf(Verdict.Failed.class);
    }
}
