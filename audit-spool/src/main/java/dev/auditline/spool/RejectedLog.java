package dev.auditline.spool;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.auditline.api.AuditEvent;
import dev.auditline.api.json.AuditJson;
import dev.auditline.spool.internal.OwnerOnly;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The append-only file of events DataStorage rejected as invalid ({@code rejected/rejected.jsonl}
 * by convention), so that people can see what was refused and why. A rejected event is never
 * retried: without this file its content would be gone.
 *
 * <p>One JSON object per line ({@link RejectedEntry}: {@code rejected_at}, {@code field}, {@code
 * detail}, {@code event}); read it with {@code jq} or {@link #read}. Each {@link #append} is synced
 * before it returns. The file is not rotated or bounded here; rejections are rare and operators
 * rotate it like any log. Thread-safe; one writer process per file.
 */
public final class RejectedLog implements AutoCloseable {
    /** The file name inside the directory given to {@link #open}. */
    public static final String FILE_NAME = "rejected.jsonl";

    private static final Logger LOG = LoggerFactory.getLogger(RejectedLog.class);

    private final Path file;
    private final Clock clock;
    private final ObjectMapper mapper = AuditJson.mapper();
    private final ReentrantLock lock = new ReentrantLock();
    private final FileOutputStream out;
    private boolean closed;

    private RejectedLog(Path file, Clock clock) throws IOException {
        this.file = file;
        this.clock = clock;
        this.out = new FileOutputStream(file.toFile(), true);
    }

    /** Opens (creating if needed) {@code dir/}{@value #FILE_NAME} for appending. */
    public static RejectedLog open(Path dir, Clock clock) throws IOException {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(clock, "clock");
        OwnerOnly.createDirectories(dir);
        OwnerOnly.createFileIfMissing(dir.resolve(FILE_NAME)); // 0600 before anything is appended
        return new RejectedLog(dir.resolve(FILE_NAME), clock);
    }

    public Path file() {
        return file;
    }

    /**
     * Records one rejected event with the server's reason and returns once the line is synced.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public void append(AuditEvent event, String field, String detail) throws IOException {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(field, "field");
        Objects.requireNonNull(detail, "detail");
        byte[] json = mapper.writeValueAsBytes(new RejectedEntry(clock.instant(), field, detail, event));
        byte[] line = new byte[json.length + 1];
        System.arraycopy(json, 0, line, 0, json.length);
        line[json.length] = '\n';
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("rejected log " + file + " is closed");
            }
            out.write(line); // one write call, so a crash leaves at most one torn last line
            out.getFD().sync();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Every entry of {@code dir/}{@value #FILE_NAME}, oldest first; an empty list when the file does
     * not exist. A line that does not parse (a torn last line after a crash) is skipped and logged.
     */
    public static List<RejectedEntry> read(Path dir) throws IOException {
        Path file = dir.resolve(FILE_NAME);
        if (!Files.exists(file)) {
            return List.of();
        }
        ObjectMapper mapper = AuditJson.mapper();
        List<RejectedEntry> entries = new ArrayList<>();
        int lineNumber = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            lineNumber++;
            if (line.isBlank()) {
                continue;
            }
            try {
                entries.add(mapper.readValue(line, RejectedEntry.class));
            } catch (IOException e) {
                LOG.warn("{} line {}: skipping an unreadable entry: {}", file, lineNumber, e.getMessage());
            }
        }
        return entries;
    }

    /** Idempotent. */
    @Override
    public void close() throws IOException {
        lock.lock();
        try {
            if (!closed) {
                closed = true;
                out.close();
            }
        } finally {
            lock.unlock();
        }
    }
}
