package dev.auditline.datastorage.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Reads and checks the {@code log} section (the verifiable log). */
final class LogConfigReader {
    private LogConfigReader() {}

    static LogConfig read(ConfigSection log, Path baseDir, List<String> problems) {
        LogConfig dl = LogConfig.DEFAULT;
        Path signingKeyFile = null;
        String keyText = log.text("signing_key_file", "");
        if (!keyText.isBlank()) {
            // a missing file is created with a new key at start; an existing one must be a file
            signingKeyFile = Path.of(keyText);
            if (!signingKeyFile.isAbsolute() && baseDir != null) {
                signingKeyFile = baseDir.resolve(signingKeyFile);
            }
            signingKeyFile = signingKeyFile.normalize();
            if (Files.isDirectory(signingKeyFile)) {
                problems.add("log.signing_key_file: must name a file (got \"" + ConfigValues.shorten(keyText)
                        + "\", a directory)");
            }
        }
        String origin = log.text("origin", null);
        if (origin != null && (origin.isBlank() || origin.contains("+") || origin.contains("\n"))) {
            problems.add("log.origin: must be one non-empty line without '+' (got \"" + ConfigValues.shorten(origin)
                    + "\")");
            origin = null;
        }
        Duration checkpointInterval = log.duration(
                "checkpoint_interval", dl.checkpointInterval(), Duration.ofMillis(10), Duration.ofHours(1));
        log.rejectUnknown();
        return new LogConfig(signingKeyFile, origin, checkpointInterval);
    }
}
