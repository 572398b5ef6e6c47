package dev.auditline.datastorage.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * The {@code log} section: the verifiable log.
 *
 * @param signingKeyFile the Ed25519 key checkpoints are signed with, created (0600) when absent;
 *     {@code null}: {@code log-signing.key} next to the SQLite file, or {@code ./data/log-signing.key}
 * @param origin the checkpoints' origin line; {@code null}: {@code auditline/} and the key's fingerprint
 * @param checkpointInterval how often a checkpoint is signed when the log grew
 */
public record LogConfig(Path signingKeyFile, String origin, Duration checkpointInterval) {
    /** Default {@code log.checkpoint_interval}: 1 s. */
    public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofSeconds(1);

    public static final LogConfig DEFAULT = new LogConfig(null, null, DEFAULT_CHECKPOINT_INTERVAL);

    public LogConfig {
        Objects.requireNonNull(checkpointInterval, "checkpointInterval");
        if (checkpointInterval.isNegative() || checkpointInterval.isZero()) {
            throw new IllegalArgumentException("log.checkpoint_interval must be > 0 (got " + checkpointInterval + ")");
        }
    }

    /** The key file to use for {@code storage}: the configured one, or the default next to the data. */
    public Path signingKeyFile(StorageSettings storage) {
        if (signingKeyFile != null) {
            return signingKeyFile;
        }
        String url = storage.url();
        String lower = url.toLowerCase(Locale.ROOT);
        if (lower.startsWith("sqlite:") || lower.startsWith("jdbc:sqlite:")) {
            String path = url.substring(lower.indexOf("sqlite:") + "sqlite:".length());
            int query = path.indexOf('?');
            path = query >= 0 ? path.substring(0, query) : path;
            if (!path.startsWith(":") && !path.startsWith("file:")) {
                Path parent = Path.of(path).toAbsolutePath().normalize().getParent();
                return parent.resolve("log-signing.key");
            }
        }
        return Path.of("data", "log-signing.key");
    }
}
