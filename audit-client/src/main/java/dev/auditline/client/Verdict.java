package dev.auditline.client;

import java.time.Duration;

/**
 * What one answer of DataStorage (or the lack of one) means for the batch that was sent. Made by
 * {@link ResponseClassifier}; live sends and spool replay act on the same verdicts.
 *
 * <p>The line that matters most runs between {@link Unavailable} and {@link Failed}: a server that
 * is restarting, overloaded or without its database says nothing about this batch, so waiting for
 * it must not use up the batch's {@code max_retries}; only a reachable server failing this very
 * batch does.
 */
sealed interface Verdict {
    /** The answer or failure in words, for logs and drop summaries: {@code status 503: …}, {@code no answer: …}. */
    String answer();

    /** 2xx: stored (or fsynced to the server's fallback spool); per-item rejections are in the outcome. */
    record Stored(SendOutcome outcome, String answer) implements Verdict {}

    /** 413: the request is too large; split it. */
    record TooLarge(SendOutcome outcome, String answer) implements Verdict {}

    /** 400 for the whole request: re-cut if the server announced smaller limits, else rejected. */
    record BadRequest(SendOutcome outcome, String answer) implements Verdict {}

    /**
     * The server is unavailable (no connection, refused or reset before an answer, 429, 502, 503,
     * 504, any {@code Retry-After}): hold the batch, probe again after {@code retryAfter} at least
     * ({@code null} when none was given), consume no attempt.
     */
    record Unavailable(Duration retryAfter, String answer) implements Verdict {}

    /**
     * A reachable server failed this batch (another 5xx, 408, or no answer within the timeout after
     * the request was sent): consumes one of the batch's attempts.
     */
    record Failed(Duration retryAfter, String answer) implements Verdict {}

    /** No retry within seconds fixes this (401, 403, 404, other 4xx): spool, or drop with {@code reason}. */
    record Undeliverable(DropReason reason, String answer) implements Verdict {}
}
