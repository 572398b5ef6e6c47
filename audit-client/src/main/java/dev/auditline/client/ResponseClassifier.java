package dev.auditline.client;

import java.io.IOException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;

/**
 * Turns the answer to one request into a {@link Verdict}; a pure function of the answer, so the
 * status ladder exists once, for live sends and replay alike.
 */
final class ResponseClassifier {
    private ResponseClassifier() {}

    /** The verdict on an answer with a status. */
    static Verdict classify(SendOutcome outcome) {
        int status = outcome.status();
        String answer = "status " + status + (outcome.detail() == null ? "" : ": " + outcome.detail());
        if (status >= 200 && status < 300) {
            return new Verdict.Stored(outcome, answer);
        }
        if (status == 413) {
            return new Verdict.TooLarge(outcome, answer);
        }
        if (status == 400) {
            return new Verdict.BadRequest(outcome, answer);
        }
        if (outcome.retryAfter() != null || status == 429 || status == 502 || status == 503 || status == 504) {
            // A Retry-After is the server saying "not now", whatever the status: waiting it out is
            // not a failure of this batch.
            return new Verdict.Unavailable(outcome.retryAfter(), answer);
        }
        if (status == 401 || status == 403) {
            return new Verdict.Undeliverable(DropReason.UNAUTHORIZED, answer);
        }
        if (status == 404) {
            return new Verdict.Undeliverable(DropReason.NOT_FOUND, answer);
        }
        if (status >= 500 || status == 408) {
            return new Verdict.Failed(null, answer);
        }
        return new Verdict.Undeliverable(DropReason.RETRIES_EXHAUSTED, answer + " (not retryable)");
    }

    /**
     * The verdict when no answer arrived. A timeout after the request was sent may mean the server
     * choked on this very batch, so it consumes an attempt; every other I/O failure (refused,
     * reset, no route, connect timeout) means the server is not there right now.
     */
    static Verdict classify(Exception noAnswer) {
        String answer = "no answer: " + noAnswer;
        if (noAnswer instanceof HttpTimeoutException && !(noAnswer instanceof HttpConnectTimeoutException)) {
            return new Verdict.Failed(null, answer + " (timed out after the request was sent)");
        }
        if (noAnswer instanceof IOException) {
            return new Verdict.Unavailable(null, answer);
        }
        // A sink failing with anything else is a bug: bounded by max_retries like a failed batch.
        return new Verdict.Failed(null, answer);
    }
}
