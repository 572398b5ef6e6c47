package dev.auditline.client;

import static dev.auditline.client.TestEvents.event;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * {@link BufferedAuditStore#close} returns only after the sender threads are done, so what they log
 * about the last batches (a drop summary) is logged before close() returns, not after it.
 */
class CloseAwaitsSendersTest {
    private static final String DROP_LINE = "dropped audit events for ";

    private final Logger logger = (Logger) LoggerFactory.getLogger(BufferedAuditStore.class);
    private final CountDownLatch closeReturned = new CountDownLatch(1);

    /**
     * Holds a drop summary logged by any thread but the test's until close() has returned (at most
     * 2 s, well inside close's 5 s deadline): close() that does not wait for the senders returns
     * while the summary is held, and the line is missing when the test looks. Unsynchronized, so
     * a held line does not hold back the other threads' lines (logback's synchronized appenders
     * would make close() wait on the appender's monitor instead).
     */
    private final List<String> logged = new CopyOnWriteArrayList<>();

    private final UnsynchronizedAppenderBase<ILoggingEvent> appender = new UnsynchronizedAppenderBase<>() {
        @Override
        protected void append(ILoggingEvent e) {
            String line = e.getFormattedMessage();
            if (line.startsWith(DROP_LINE) && !e.getThreadName().equals(testThread)) {
                try {
                    closeReturned.await(2, TimeUnit.SECONDS);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            logged.add(line);
        }
    };

    private final String testThread = Thread.currentThread().getName();
    private Level previous;

    /** Answers 404 to everything: each event is dropped (reason not_found), never retried. */
    private NotFoundServer server;

    @BeforeEach
    void start() throws IOException {
        server = NotFoundServer.start();
        previous = logger.getLevel();
        logger.setLevel(Level.DEBUG);
        appender.start();
        logger.addAppender(appender);
    }

    @AfterEach
    void stop() {
        closeReturned.countDown();
        logger.detachAppender(appender);
        logger.setLevel(previous);
        server.close();
    }

    @Test
    @Timeout(30)
    void theDropSummaryOfTheLastBatchIsLoggedBeforeCloseReturns() {
        BufferedAuditStore store = BufferedAuditStore.create(AuditClientConfig.builder()
                .datastorageUrl("http://127.0.0.1:" + server.port())
                .serviceName("close-test")
                .maxRetries(0)
                .timeout(Duration.ofSeconds(2))
                .build());
        store.store(event(1));
        store.flush(Duration.ofSeconds(10));

        CloseReport report = store.close(Duration.ofSeconds(5));
        List<String> loggedBeforeCloseReturned = List.copyOf(logged);
        closeReturned.countDown();

        assertThat(report.dropped()).isEqualTo(1);
        assertThat(report.timedOut()).isFalse();
        assertThat(loggedBeforeCloseReturned.stream().filter(l -> l.startsWith(DROP_LINE)))
                .singleElement()
                .asString()
                .contains("not_found=1");
    }
}
