package dev.auditline.datastorage.config;

import dev.auditline.datastorage.store.StorageConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Reads and checks the {@code storage} section, including the credentials files it names; the
 * fallback spool's bound is checked against the server's largest request.
 */
final class StorageSettingsReader {
    private static final long MIN_FALLBACK_SPOOL_BYTES = 1L << 20;
    private static final long MAX_FALLBACK_SPOOL_BYTES = 1L << 40;

    private StorageSettingsReader() {}

    static StorageSettings read(ConfigSection storage, Path baseDir, long maxRequestBytes, List<String> problems) {
        StorageSettings dst = StorageSettings.DEFAULT;
        String url = storage.text("url", dst.url());
        if (url.startsWith("postgresql://")) {
            url = "jdbc:" + url;
        }
        try {
            StorageConfig.of(url);
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage().replaceFirst("^storage\\.url ", "storage.url: "));
        }
        Path credentialsFile = storage.file("credentials_file", baseDir, true);
        String username = null;
        String password = null;
        if (credentialsFile != null && Files.isReadable(credentialsFile)) {
            if (url.contains("sqlite:")) {
                problems.add("storage.credentials_file: SQLite takes no credentials; remove the key or use a"
                        + " PostgreSQL url");
            }
            String[] userAndPassword = CredentialsFile.read("storage.credentials_file", credentialsFile, problems);
            username = userAndPassword[0];
            password = userAndPassword[1];
        }
        Path ownerCredentialsFile = storage.file("owner_credentials_file", baseDir, true);
        StorageSettings.Owner owner = null;
        if (ownerCredentialsFile != null && Files.isReadable(ownerCredentialsFile)) {
            if (url.contains("sqlite:")) {
                problems.add("storage.owner_credentials_file: SQLite has no roles; remove the key or use a"
                        + " PostgreSQL url");
            } else if (credentialsFile == null) {
                problems.add("storage.owner_credentials_file: needs storage.credentials_file too, naming the runtime"
                        + " user the server connects as");
            }
            String[] ownerUserAndPassword =
                    CredentialsFile.read("storage.owner_credentials_file", ownerCredentialsFile, problems);
            if (ownerUserAndPassword[0] != null && ownerUserAndPassword[1] != null) {
                owner = new StorageSettings.Owner(
                        ownerCredentialsFile, ownerUserAndPassword[0], ownerUserAndPassword[1]);
                if (owner.username().equals(username)) {
                    problems.add("storage.owner_credentials_file: names the same user as storage.credentials_file ("
                            + username + "); give the runtime its own role, or leave the owner out");
                }
            }
        }
        int poolSize = storage.integer("pool_size", dst.poolSize(), 1, 1000);
        int partitionsAhead = storage.integer("partitions_ahead", dst.partitionsAhead(), 0, 120);
        Duration connectionTimeout = storage.duration(
                "connection_timeout", dst.connectionTimeout(), Duration.ofMillis(250), Duration.ofMinutes(5));
        ConfigSection spool = storage.section("fallback_spool");
        Path spoolDir = spool.file("dir", baseDir, false);
        long spoolMaxBytes = spool.size(
                "max_bytes", dst.fallbackSpoolMaxBytes(), MIN_FALLBACK_SPOOL_BYTES, MAX_FALLBACK_SPOOL_BYTES);
        if (spoolMaxBytes < maxRequestBytes) {
            // one batch is one spool record: a bound below the largest request refuses such a batch forever
            problems.add("storage.fallback_spool.max_bytes: must be ≥ server.max_request_bytes (got "
                    + ConfigValues.formatSize(spoolMaxBytes) + " < " + ConfigValues.formatSize(maxRequestBytes) + ")");
        }
        spool.rejectUnknown();
        storage.rejectUnknown();
        return new StorageSettings(
                url,
                credentialsFile,
                username,
                password,
                poolSize,
                partitionsAhead,
                connectionTimeout,
                spoolDir,
                spoolMaxBytes,
                owner);
    }
}
