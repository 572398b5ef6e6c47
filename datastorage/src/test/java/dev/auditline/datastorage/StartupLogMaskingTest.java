package dev.auditline.datastorage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import dev.auditline.datastorage.config.ConfigException;
import dev.auditline.datastorage.config.DataStorageConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** A password in the database URL appears in no log line and no message of a failed start. */
class StartupLogMaskingTest {
    private static final String SECRET = "s3cret";

    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private Level rootLevel;

    @TempDir
    Path dir;

    @BeforeEach
    void captureEveryLogLine() {
        rootLevel = root.getLevel();
        root.setLevel(Level.ALL);
        appender.start();
        root.addAppender(appender);
    }

    @AfterEach
    void restore() {
        root.detachAppender(appender);
        root.setLevel(rootLevel);
    }

    @Test
    void aPasswordInTheUrlsUserinfoIsRefusedByTheConfigurationAndNeverPrinted() {
        for (String url : List.of(
                "postgresql://app:" + SECRET + "@127.0.0.1:1/audit",
                "jdbc:postgresql://app:" + SECRET + "@127.0.0.1:1/audit",
                "postgresql://app:" + SECRET + "%40x@127.0.0.1:1/audit")) {
            assertThatThrownBy(() -> Main.configFrom(new String[0], Map.of("DATASTORAGE_STORAGE_URL", url)))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("storage.url")
                    .hasMessageContaining("app:***@127.0.0.1:1/audit")
                    .hasMessageContaining("storage.credentials_file")
                    .hasMessageNotContaining(SECRET);
        }
    }

    @Test
    void aPasswordParameterAppearsInNoLineOfAFailedStart() {
        for (String url : List.of(
                "jdbc:postgresql://127.0.0.1:1/audit?user=app&password=" + SECRET + "&sslpassword=" + SECRET,
                "jdbc:postgresql://127.0.0.1:1/audit?PASSWORD=" + SECRET + "%21&ApplicationName=x")) {
            DataStorageConfig config = Main.configFrom(
                    new String[] {"--listen", "127.0.0.1:0"},
                    Map.of(
                            "DATASTORAGE_STORAGE_URL",
                            url,
                            "DATASTORAGE_LOG_SIGNING_KEY_FILE",
                            dir.resolve("key").toString()));
            RuntimeException failure = null;
            try (DataStorage started = DataStorage.start(config, Clock.systemUTC())) {
                throw new AssertionError("started against a closed port: " + started.baseUrl());
            } catch (RuntimeException e) {
                failure = e;
            }
            Main.reportStartFailure(failure);
            assertThat(failure).hasMessageNotContaining(SECRET);
        }
        assertThat(appender.list).as("captured log lines").isNotEmpty();
        assertThat(appender.list)
                .anySatisfy(e -> assertThat(e.getFormattedMessage()).contains("password=***"));
        for (ILoggingEvent event : appender.list) {
            String line = event.getFormattedMessage()
                    + (event.getThrowableProxy() == null ? "" : ThrowableProxyUtil.asString(event.getThrowableProxy()));
            assertThat(line)
                    .as("%s line of %s", event.getLevel(), event.getLoggerName())
                    .doesNotContain(SECRET);
        }
    }
}
