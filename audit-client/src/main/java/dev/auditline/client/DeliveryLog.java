package dev.auditline.client;

import dev.auditline.api.internal.Secrets;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WARN summaries operators read when events are dropped, spooled or rejected: counts by reason
 * at most once per {@value #WARN_INTERVAL_SECONDS} seconds, each naming {@code datastorage_url},
 * the last answer of DataStorage and what to do. Written to by every pipeline thread, logged only
 * by the batching, sender and closing threads, never by the thread calling {@code store()}.
 *
 * <p>Every text that reaches these lines passes {@link Secrets#mask}: the URL may carry a password
 * or token, and an answer or failure may quote it.
 */
final class DeliveryLog {
    private static final Logger log = LoggerFactory.getLogger(BufferedAuditStore.class);

    /** WARN summaries of drops and rejections: at most one per {@value} seconds each. */
    static final long WARN_INTERVAL_SECONDS = 10;

    /** {@code datastorage_url}, masked. */
    private final String url;
    /** {@code null} without a spool. */
    private final Path spoolDir;

    private final BufferedAuditStore.Ticker ticker;
    private final WarnLimiter drops = new WarnLimiter(TimeUnit.SECONDS.toNanos(WARN_INTERVAL_SECONDS));
    private final WarnLimiter rejections = new WarnLimiter(TimeUnit.SECONDS.toNanos(WARN_INTERVAL_SECONDS));
    private final WarnLimiter spooling = new WarnLimiter(TimeUnit.SECONDS.toNanos(WARN_INTERVAL_SECONDS));
    private final AtomicBoolean closedDropReported = new AtomicBoolean();
    /** The last answer (or failure) of DataStorage in words. */
    private volatile String lastAnswer = "none yet";

    DeliveryLog(URI url, Path spoolDir, BufferedAuditStore.Ticker ticker) {
        this.url = Secrets.mask(url.toString());
        this.spoolDir = spoolDir;
        this.ticker = ticker;
    }

    void answered(String answer) {
        lastAnswer = Secrets.mask(answer);
    }

    String lastAnswer() {
        return lastAnswer;
    }

    /** {@code n} events dropped for {@code reason}; {@code example} (may be {@code null}) says why. */
    void dropped(DropReason reason, long n, String example) {
        drops.add(reason.tagValue(), n, Secrets.mask(example));
    }

    /** {@code n} events DataStorage rejected as invalid, with one example. */
    void rejected(String key, long n, String example) {
        rejections.add(key, n, Secrets.mask(example));
    }

    /** Events that could not be delivered for {@code reason}: spooled when there is a spool, else about to be dropped. */
    void undeliverable(int events, DropReason reason, String why) {
        if (spoolDir == null) {
            drops.add(reason.tagValue(), 0, Secrets.mask(why));
        } else {
            spooling.add(reason.tagValue(), events, Secrets.mask(why));
        }
    }

    /** Once: the batching thread that reports drops is gone, and store() after close() is a caller's bug. */
    void storeAfterClose() {
        if (!closedDropReported.getAndSet(true)) {
            log.warn("store() called after close(); such events are dropped (reason closed) and only counted");
        }
    }

    /** Logs what accumulated, unless the last summary is less than an interval old ({@code force} ignores that). */
    void report(boolean force) {
        reportDrops(force);
        reportRejections(force);
    }

    void reportDrops(boolean force) {
        long now = ticker.nanoTime();
        WarnLimiter.Summary dropSummary = drops.pollSummary(now, force);
        if (dropSummary != null) {
            log.warn(
                    "dropped audit events for {} (reason=count since the last report): {}; last answer: {}; {}",
                    url,
                    dropSummary,
                    lastAnswer,
                    remedies(dropSummary));
        }
        WarnLimiter.Summary spoolSummary = spooling.pollSummary(now, force);
        if (spoolSummary != null) {
            log.warn(
                    "audit events {} did not go to the spool {} for replay (reason=count since the last"
                            + " report): {}; last answer: {}; {}",
                    url,
                    spoolDir,
                    spoolSummary,
                    lastAnswer,
                    remedies(spoolSummary));
        }
    }

    void reportRejections(boolean force) {
        String summary = rejections.poll(ticker.nanoTime(), force);
        if (summary != null) {
            log.warn("DataStorage rejected audit events as invalid; they are not retried: {}", summary);
        }
    }

    private static String remedies(WarnLimiter.Summary summary) {
        StringBuilder text = new StringBuilder();
        for (DropReason reason : DropReason.values()) {
            if (summary.counts().containsKey(reason.tagValue())) {
                text.append(text.length() == 0 ? "" : "; ")
                        .append(reason.tagValue())
                        .append(": ")
                        .append(reason.remedy());
            }
        }
        return text.toString();
    }
}
