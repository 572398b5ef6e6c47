package dev.auditline.datastorage.k8s;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.auditline.spool.internal.OwnerOnly;
import java.io.ByteArrayOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The append-only file of Kubernetes audit items DataStorage could not map
 * ({@code kubernetes.quarantine.file}): one JSON object per line with {@code quarantined_at},
 * {@code cluster}, {@code index}, {@code audit_id}, {@code field}, {@code detail} and the raw
 * {@code item} as the API server sent it. Without it a malformed item would either make the API
 * server resend its whole batch for ever or vanish; this way the batch is answered 2xx and the
 * item waits here for a person.
 *
 * <p>The file is opened on the first entry (a server that never quarantines never creates it) and
 * bounded by {@code max_bytes}: entries that would pass the bound are not written, only counted
 * by the caller. Each {@link #append} is synced before it returns. Thread-safe; one writer process
 * per file.
 */
public final class QuarantineFile implements AutoCloseable {
    private static final ObjectMapper PLAIN = new ObjectMapper();

    private final Path file;
    private final long maxBytes;
    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock();
    private FileOutputStream out; // guarded by lock; null until the first entry
    private long size; // guarded by lock
    private boolean closed; // guarded by lock

    public QuarantineFile(Path file, long maxBytes, Clock clock) {
        this.file = Objects.requireNonNull(file, "file");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (maxBytes < 1) {
            throw new IllegalArgumentException("quarantine max_bytes must be ≥ 1 (got " + maxBytes + ")");
        }
        this.maxBytes = maxBytes;
    }

    /** One item to keep. */
    public record Entry(String cluster, int index, String auditId, String field, String detail, JsonNode item) {}

    public Path file() {
        return file;
    }

    /**
     * Writes the entries that still fit under {@code max_bytes}, in order, synced.
     *
     * @return how many were written; the rest did not fit
     * @throws IOException when the file cannot be written (nothing of this call is then promised)
     */
    public int append(List<Entry> entries) throws IOException {
        if (entries.isEmpty()) {
            return 0;
        }
        String at = clock.instant().toString();
        lock.lock();
        try {
            if (closed) {
                throw new IOException("quarantine file " + file + " is closed");
            }
            if (out == null) {
                open();
            }
            ByteArrayOutputStream lines = new ByteArrayOutputStream();
            int written = 0;
            for (Entry e : entries) {
                byte[] line = line(at, e);
                if (size + lines.size() + line.length > maxBytes) {
                    break;
                }
                lines.write(line);
                written++;
            }
            if (written > 0) {
                out.write(lines.toByteArray()); // one write call: a crash leaves at most one torn last line
                out.getFD().sync();
                size += lines.size();
            }
            return written;
        } finally {
            lock.unlock();
        }
    }

    private void open() throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            OwnerOnly.createDirectories(parent);
        }
        OwnerOnly.createFileIfMissing(file); // 0600: it holds whatever the apiserver sent
        out = new FileOutputStream(file.toFile(), true);
        size = Files.size(file);
    }

    private static byte[] line(String at, Entry e) throws JsonProcessingException {
        ObjectNode n = PLAIN.createObjectNode();
        n.put("quarantined_at", at);
        n.put("cluster", e.cluster());
        n.put("index", e.index());
        n.put("audit_id", e.auditId());
        n.put("field", e.field());
        n.put("detail", e.detail());
        n.set("item", e.item());
        byte[] json = PLAIN.writeValueAsBytes(n);
        byte[] line = new byte[json.length + 1];
        System.arraycopy(json, 0, line, 0, json.length);
        line[json.length] = '\n';
        return line;
    }

    /** Idempotent. */
    @Override
    public void close() throws IOException {
        lock.lock();
        try {
            if (!closed) {
                closed = true;
                if (out != null) {
                    out.close();
                }
            }
        } finally {
            lock.unlock();
        }
    }
}
