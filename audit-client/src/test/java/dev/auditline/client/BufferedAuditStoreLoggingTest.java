package dev.auditline.client;

import static dev.auditline.client.TestEvents.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The log lines operators rely on to see what the client does (DESIGN §7). */
class BufferedAuditStoreLoggingTest {
    private final Logger logger = (Logger) LoggerFactory.getLogger(BufferedAuditStore.class);
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private Level previous;

    @BeforeEach
    void capture() {
        previous = logger.getLevel();
        logger.setLevel(Level.DEBUG);
        appender.start();
        logger.addAppender(appender);
    }

    @AfterEach
    void release() {
        logger.detachAppender(appender);
        logger.setLevel(previous);
    }

    /** Logback appends under the appender's monitor; reading under it too makes the lines visible here. */
    private List<ILoggingEvent> captured() {
        synchronized (appender) {
            return List.copyOf(appender.list);
        }
    }

    private List<String> lines(Level level) {
        return captured().stream()
                .filter(e -> e.getLevel() == level)
                .map(ILoggingEvent::getFormattedMessage)
                .toList();
    }

    @Test
    void logsEffectiveConfigOnceAtStartWithTheTokenMasked(@TempDir Path dir) throws Exception {
        Path token = dir.resolve("token");
        Files.writeString(token, "super-secret");
        AuditClientConfig config = AuditClientConfig.builder()
                .datastorageUrl("http://127.0.0.1:9")
                .serviceName("logging-test")
                .tokenFile(token)
                .build();
        BufferedAuditStore store = BufferedAuditStore.create(config);
        try {
            await().until(() -> lines(Level.DEBUG).stream().anyMatch(l -> l.startsWith("batcher started")));
        } finally {
            store.close(Duration.ofSeconds(1));
        }

        assertThat(lines(Level.INFO).stream().filter(l -> l.contains("starting")))
                .singleElement()
                .asString()
                .contains("flush_interval=1s")
                .contains(token.toString())
                .doesNotContain("super-secret");
        assertThat(lines(Level.DEBUG).stream().filter(l -> l.startsWith("batcher started")))
                .singleElement()
                .asString()
                .contains("flush_interval=1s");
        assertThat(captured()).noneMatch(e -> e.getFormattedMessage().contains("super-secret"));
    }

    @Test
    void reportsDropsCountedByStoreAtWarnFromTheBatchingThread() {
        ScriptedSink hanging = new ScriptedSink().blockAll();
        BufferedAuditStore store = BufferedAuditStore.builder(AuditClientConfig.builder()
                        .datastorageUrl("http://127.0.0.1:9")
                        .serviceName("logging-test")
                        .bufferSize(1)
                        .batchSize(1)
                        .maxInFlight(1)
                        .build())
                .sink(hanging)
                .build();
        try {
            store.store(event(0));
            await().until(() -> hanging.attemptCount() == 1);
            store.store(event(1));
            for (int i = 2; i < 5; i++) {
                store.store(event(i)); // buffer_full, on this thread: nothing logged here
            }

            // The batcher may report while the drops are still being counted; the rest comes with the
            // next summary (here: close's). What matters: reported from the batcher, and all counted.
            await().until(() -> captured().stream()
                    .anyMatch(e -> e.getLevel() == Level.WARN
                            && e.getThreadName().startsWith("auditline-batcher-")
                            && e.getFormattedMessage().contains("buffer_full=")));
        } finally {
            hanging.release();
            store.close(Duration.ofSeconds(1));
        }
        long reported = 0;
        for (String line : lines(Level.WARN)) {
            Matcher m = Pattern.compile("buffer_full=(\\d+)").matcher(line);
            if (m.find()) {
                reported += Long.parseLong(m.group(1));
            }
        }
        assertThat(reported).isEqualTo(3);
    }

    @Test
    void logsEachFlushAndSendAtDebugAndDropsAtWarnWithCounts() {
        FakeTicker ticker = new FakeTicker();
        BufferedAuditStore store = BufferedAuditStore.builder(AuditClientConfig.builder()
                        .datastorageUrl("http://127.0.0.1:9")
                        .serviceName("logging-test")
                        .bufferSize(2)
                        .batchSize(2)
                        .build())
                .sink(new ScriptedSink((events, attempt) -> SendOutcome.status(404, null, "no such route")))
                .ticker(ticker)
                .build();
        try {
            store.store(event(1));
            ticker.advance(Duration.ofMillis(250));
            store.store(event(2));
            store.flush(Duration.ofSeconds(5));
        } finally {
            store.close(Duration.ofSeconds(1));
        }

        assertThat(lines(Level.DEBUG))
                .anySatisfy(l -> assertThat(l)
                        .startsWith("flush trigger=size events=2 ")
                        .contains("oldest_age=250ms")
                        .contains("since_previous_flush="))
                .anySatisfy(l -> assertThat(l).startsWith("send status=404 attempt=1 events=2 duration="));
        assertThat(lines(Level.WARN)).anySatisfy(l -> assertThat(l)
                .contains("for http://127.0.0.1:9 ")
                .contains("not_found=2")
                .contains("last answer: status 404: no such route")
                .contains("check datastorage_url"));
    }
}
