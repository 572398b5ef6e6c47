package dev.auditline.datastorage.auth;

import dev.auditline.datastorage.metrics.MetricNames;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps a bearer token to its {@link Client} using the tokens file, and keeps following the file
 * without a thread of its own: every request {@code stat}s it (a changed size or modification time
 * reloads at once), and at most every {@link #RECHECK_INTERVAL} a request reads it and compares the
 * SHA-256 of its content, so a change that keeps size and modification time ({@code cp -p}) is
 * seen within that interval.
 *
 * <p>Fail closed: while the file is invalid or missing, <em>no</em> token is accepted and {@link
 * #authenticate} throws {@link TokensFileUnavailableException} (the API answers {@code 503}, so
 * clients hold their events and retry rather than drop them). Keeping the last good clients
 * instead would let a typo in the edit that revokes a token undo the revocation. The state is in
 * {@link #health()} (for {@code /readyz}) and in the {@code audit.auth.tokens.file.*} gauges. At
 * start-up an invalid file fails the server.
 */
public final class Authenticator implements MeterBinder {
    private static final Logger LOG = LoggerFactory.getLogger(Authenticator.class);

    /** Longest time a content change with the same size and modification time goes unnoticed: {@value} ms. */
    public static final long RECHECK_INTERVAL_MILLIS = 1_000;

    public static final Duration RECHECK_INTERVAL = Duration.ofMillis(RECHECK_INTERVAL_MILLIS);

    private final Path file;
    private final Clock clock;
    private final Object reloadLock = new Object();
    private volatile Snapshot snapshot;

    /**
     * What the file held when last read.
     *
     * @param contentSha256 of the bytes read, {@code null} when the file was missing or unreadable
     * @param byHash the clients; empty while the file is invalid
     * @param problem why the file is not in force, {@code null} when it is
     * @param loadedAt when the clients in force were loaded (last successful reload)
     * @param checkedAt when the content was last read and hashed
     */
    private record Snapshot(
            FileTime modified,
            long size,
            byte[] contentSha256,
            Map<String, Client> byHash,
            String problem,
            Instant loadedAt,
            long checkedAt) {
        boolean valid() {
            return problem == null;
        }
    }

    /**
     * What {@code /readyz} and operators need to know about the tokens file.
     *
     * @param valid whether the file was read and is in force; {@code false} means every request with
     *     a token is answered {@code 503}
     * @param problem why not, naming the file and the problem; {@code null} when valid
     * @param clients the clients in force (0 while invalid)
     * @param lastReload when the clients now in force (or, while invalid, the last good ones) were loaded
     */
    public record Health(boolean valid, String problem, int clients, Instant lastReload) {}

    private Authenticator(Path file, Clock clock) {
        this.file = file;
        this.clock = clock;
        Snapshot first = read(null);
        if (!first.valid()) {
            throw new IllegalArgumentException(first.problem());
        }
        this.snapshot = first;
    }

    /**
     * @throws IllegalArgumentException when the file cannot be read or is invalid, listing every problem
     */
    public static Authenticator fromFile(Path file) {
        return fromFile(file, Clock.systemUTC());
    }

    /** As {@link #fromFile(Path)}; {@code clock} paces the content re-check (tests move it). */
    public static Authenticator fromFile(Path file, Clock clock) {
        return new Authenticator(file, clock);
    }

    public Path file() {
        return file;
    }

    public int clientCount() {
        return snapshot.byHash().size();
    }

    /**
     * The client holding {@code token}, or empty for an unknown token.
     *
     * @throws TokensFileUnavailableException while the tokens file is invalid or missing: no token is
     *     accepted then
     */
    public Optional<Client> authenticate(String token) {
        Snapshot current = refresh();
        if (!current.valid()) {
            throw new TokensFileUnavailableException(current.problem());
        }
        return Optional.ofNullable(current.byHash().get(sha256Hex(token)));
    }

    /** The state of the tokens file, re-checked first as a request would; for {@code /readyz}. */
    public Health health() {
        Snapshot current = refresh();
        return new Health(current.valid(), current.problem(), current.byHash().size(), current.loadedAt());
    }

    /**
     * {@code audit.auth.tokens.file.valid} (1/0) and {@code audit.auth.tokens.file.last.reload} (epoch
     * seconds of the last successful load); both sampled without re-reading the file.
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder(MetricNames.AUTH_TOKENS_FILE_VALID, this, a -> a.snapshot.valid() ? 1 : 0)
                .description("1 while the tokens file is valid and in force; 0 while every token is refused")
                .register(registry);
        Gauge.builder(
                        MetricNames.AUTH_TOKENS_FILE_LAST_RELOAD,
                        this,
                        a -> a.snapshot.loadedAt().toEpochMilli() / 1000.0)
                .description("when the tokens file in force was loaded, as Unix time")
                .baseUnit("seconds")
                .register(registry);
    }

    /** The hex SHA-256 of a token, the form the tokens file stores. */
    public static String sha256Hex(String token) {
        return HexFormat.of().formatHex(sha256(token.getBytes(StandardCharsets.UTF_8)));
    }

    private Snapshot refresh() {
        Snapshot current = snapshot;
        long now = clock.millis();
        if (!statChanged(current) && now - current.checkedAt() < RECHECK_INTERVAL_MILLIS) {
            return current;
        }
        synchronized (reloadLock) {
            if (snapshot != current) {
                return snapshot; // another request reloaded meanwhile
            }
            Snapshot fresh = read(current);
            snapshot = fresh;
            report(current, fresh);
            return fresh;
        }
    }

    private boolean statChanged(Snapshot current) {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            return current.contentSha256() == null
                    || !attributes.lastModifiedTime().equals(current.modified())
                    || attributes.size() != current.size();
        } catch (IOException e) {
            return current.contentSha256() != null; // it was there and is gone
        }
    }

    /** Reads, hashes and (when the content changed) parses the file; never throws. */
    private Snapshot read(Snapshot previous) {
        long now = clock.millis();
        Instant lastGood = previous == null ? Instant.ofEpochMilli(now) : previous.loadedAt();
        byte[] content;
        FileTime modified;
        try {
            modified = Files.getLastModifiedTime(file);
            content = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return invalid("server.auth.tokens_file " + file + ": the file is missing", lastGood, now);
        } catch (IOException e) {
            return invalid("server.auth.tokens_file " + file + ": cannot read it: " + e, lastGood, now);
        }
        byte[] hash = sha256(content);
        if (previous != null && Arrays.equals(hash, previous.contentSha256())) {
            // same content: keep what it meant (valid or not), remember the new stat and check time
            return new Snapshot(
                    modified, content.length, hash, previous.byHash(), previous.problem(), previous.loadedAt(), now);
        }
        try {
            Map<String, Client> clients = TokenFile.parse(file, content);
            return new Snapshot(modified, content.length, hash, clients, null, Instant.ofEpochMilli(now), now);
        } catch (IllegalArgumentException e) {
            return new Snapshot(modified, content.length, hash, Map.of(), e.getMessage(), lastGood, now);
        }
    }

    private static Snapshot invalid(String problem, Instant lastGood, long now) {
        return new Snapshot(null, -1, null, Map.of(), problem, lastGood, now);
    }

    /** One line per change of state or of the clients in force, never one per request. */
    private void report(Snapshot before, Snapshot after) {
        if (after.valid() && (!before.valid() || after.loadedAt() != before.loadedAt())) {
            LOG.info("Reloaded {}: {} clients", file, after.byHash().size());
        } else if (!after.valid() && (before.valid() || !after.problem().equals(before.problem()))) {
            LOG.error(
                    "Refusing every token until the tokens file is fixed (fail closed; the API answers 503): {}",
                    after.problem());
        }
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM provides SHA-256", e);
        }
    }
}
