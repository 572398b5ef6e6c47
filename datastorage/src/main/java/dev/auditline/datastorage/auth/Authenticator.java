package dev.auditline.datastorage.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps a bearer token to its {@link Client} using the tokens file, re-reading the file when its
 * modification time or size changes (one {@code stat} per request, no watcher thread). A file that
 * becomes invalid while running keeps the last good clients and is logged, so an operator's typo
 * never locks every client out; at start-up an invalid file fails the server.
 */
public final class Authenticator {
    private static final Logger LOG = LoggerFactory.getLogger(Authenticator.class);

    private final Path file;
    private final Object reloadLock = new Object();
    private volatile Snapshot snapshot;

    private record Snapshot(FileTime modified, long size, Map<String, Client> byHash) {}

    private Authenticator(Path file) {
        this.file = file;
        this.snapshot = load();
    }

    /**
     * @throws IllegalArgumentException when the file cannot be read or is invalid, listing every problem
     */
    public static Authenticator fromFile(Path file) {
        return new Authenticator(file);
    }

    public Path file() {
        return file;
    }

    public int clientCount() {
        return snapshot.byHash().size();
    }

    /** The client holding {@code token}, or empty for an unknown token. */
    public Optional<Client> authenticate(String token) {
        reloadIfChanged();
        return Optional.ofNullable(snapshot.byHash().get(sha256Hex(token)));
    }

    /** The hex SHA-256 of a token, the form the tokens file stores. */
    public static String sha256Hex(String token) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(digest.digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM provides SHA-256", e);
        }
    }

    private void reloadIfChanged() {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException e) {
            return; // a file being replaced may be briefly absent; keep the last good clients
        }
        Snapshot current = snapshot;
        if (attributes.lastModifiedTime().equals(current.modified()) && attributes.size() == current.size()) {
            return;
        }
        synchronized (reloadLock) {
            if (snapshot != current) {
                return;
            }
            try {
                Snapshot fresh = load();
                snapshot = fresh;
                LOG.info("Reloaded {}: {} clients", file, fresh.byHash().size());
            } catch (IllegalArgumentException e) {
                // remember the broken version so it is reported once, not on every request
                snapshot = new Snapshot(attributes.lastModifiedTime(), attributes.size(), current.byHash());
                LOG.error(
                        "Keeping the previous {} clients: {}", current.byHash().size(), e.getMessage());
            }
        }
    }

    private Snapshot load() {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            return new Snapshot(attributes.lastModifiedTime(), attributes.size(), TokenFile.read(file));
        } catch (IOException e) {
            throw new IllegalArgumentException("server.auth.tokens_file " + file + ": cannot read it: " + e);
        }
    }
}
