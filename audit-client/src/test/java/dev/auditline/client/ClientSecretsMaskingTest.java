package dev.auditline.client;

import static dev.auditline.client.TestEvents.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

/**
 * The client names {@code datastorage_url} in its start-up line, its drop and spool summaries and
 * its configuration errors; a secret the URL holds is masked in every one of them, in every form a
 * URL can hold it (userinfo, a parameter named like a secret, percent-encoded forms).
 */
class ClientSecretsMaskingTest {
    private static final String SECRET = "s3cret";

    private final Logger logger = (Logger) LoggerFactory.getLogger("dev.auditline.client");
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private Level previous;

    /** Answers 404 to everything: events are dropped (reason not_found) or spooled, never retried. */
    private NotFoundServer server;

    @BeforeEach
    void start() throws IOException {
        server = NotFoundServer.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** {@code template} with {@code PORT} replaced by the loopback server's port. */
    private String at(String template) {
        return template.replace("PORT", Integer.toString(server.port()));
    }

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

    /** Every message and every exception message logged, including causes and suppressed ones. */
    private List<String> everythingLogged() {
        List<ILoggingEvent> events;
        synchronized (appender) {
            events = List.copyOf(appender.list);
        }
        List<String> texts = new ArrayList<>();
        for (ILoggingEvent e : events) {
            texts.add(e.getFormattedMessage());
            addThrowable(e.getThrowableProxy(), texts);
        }
        return texts;
    }

    private static void addThrowable(IThrowableProxy t, List<String> texts) {
        if (t == null) {
            return;
        }
        texts.add(t.getClassName() + ": " + t.getMessage());
        addThrowable(t.getCause(), texts);
        for (IThrowableProxy s : t.getSuppressed()) {
            addThrowable(s, texts);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "http://app:s3cret@127.0.0.1:PORT | http://app:***@127.0.0.1:PORT",
                "http://:s3cret@127.0.0.1:PORT | http://:***@127.0.0.1:PORT",
                "http://app:p%40s3cret%3Ax@127.0.0.1:PORT | http://app:***@127.0.0.1:PORT",
                "http://127.0.0.1:PORT/base;password=s3cret | http://127.0.0.1:PORT/base;password=***",
                "http://127.0.0.1:PORT/base;access_token=s3cret | http://127.0.0.1:PORT/base;access_token=***",
                "http://127.0.0.1:PORT/base/token%3Ds3cret | http://127.0.0.1:PORT/base/token%3D***",
            })
    @Timeout(30)
    void dropSummariesAndTheStartLineMaskTheSecretOfTheUrl(String url, String masked) {
        BufferedAuditStore store = BufferedAuditStore.create(config(at(url)).build());
        store.store(event(1));
        store.flush(Duration.ofSeconds(10));
        store.close(Duration.ofSeconds(5));

        List<String> logged = everythingLogged();
        assertThat(logged).noneMatch(l -> l.contains(SECRET));
        assertThat(logged)
                .anySatisfy(l -> assertThat(l).contains("starting").contains("datastorage_url=" + at(masked) + ","))
                .anySatisfy(l -> assertThat(l)
                        .startsWith("dropped audit events for " + at(masked) + " ")
                        .contains("not_found=1")
                        .contains("last answer: status 404"));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(
            strings = {
                "http://app:s3cret@127.0.0.1:PORT",
                "http://127.0.0.1:PORT/base;token=s3cret",
                "http://127.0.0.1:PORT/base/password%3Ds3cret"
            })
    @Timeout(30)
    void spoolSummariesMaskTheSecretOfTheUrl(String url, @TempDir Path spool) {
        BufferedAuditStore store =
                BufferedAuditStore.create(config(at(url)).spoolDir(spool).build());
        store.store(event(1));
        store.flush(Duration.ofSeconds(10));
        store.close(Duration.ofSeconds(5));

        List<String> logged = everythingLogged();
        assertThat(logged).noneMatch(l -> l.contains(SECRET));
        assertThat(logged).anySatisfy(l -> assertThat(l)
                .contains("to the spool " + spool)
                .contains("***")
                .contains("not_found=1"));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(
            strings = {
                "https://db.example/x?token=s3cret",
                "https://db.example/x?access_token=s3cret",
                "https://db.example/x?user=app&password=s3cret",
                "https://db.example/x?API_KEY=s3cret",
                "https://db.example/x?next=%2Fy%3Fpassword%3Ds3cret%26a%3Db",
                "https://app:s3cret@db.example/x#frag",
                "ftp://app:s3cret@db.example/",
                "http://app:s3cret@db.example/a b",
            })
    void aRefusedUrlIsQuotedWithItsSecretMasked(String url) {
        assertThatThrownBy(() -> config(url).build())
                .isInstanceOf(AuditConfigException.class)
                .hasMessageContaining("audit.datastorage_url")
                .hasMessageContaining("***")
                .hasMessageNotContaining(SECRET)
                .satisfies(
                        e -> assertThat(((AuditConfigException) e).problems()).noneMatch(p -> p.contains(SECRET)));
    }

    private static AuditClientConfig.Builder config(String url) {
        return AuditClientConfig.builder()
                .datastorageUrl(url)
                .serviceName("secrets-test")
                .maxRetries(0)
                .timeout(Duration.ofSeconds(2));
    }
}
