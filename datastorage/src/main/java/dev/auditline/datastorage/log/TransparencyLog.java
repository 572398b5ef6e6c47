package dev.auditline.datastorage.log;

import dev.auditline.api.merkle.Checkpoint;
import dev.auditline.api.merkle.CompactRange;
import dev.auditline.api.merkle.MerkleHash;
import dev.auditline.api.merkle.MerkleProofs;
import dev.auditline.api.merkle.NodeId;
import dev.auditline.api.merkle.NoteKey;
import dev.auditline.api.merkle.SignedNote;
import dev.auditline.datastorage.store.StorageConfig;
import dev.auditline.datastorage.store.StorageUnavailableException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The verifiable log (DESIGN §1.11): grows a Merkle tree over {@code audit_log}'s leaf hashes in
 * log-index order, signs a checkpoint of it every {@code log.checkpoint_interval} when it grew (and
 * once at start), and answers proofs. The one owner of the tree's right edge and of the latest
 * checkpoint: only its single "log-checkpoint" thread changes them.
 *
 * <p>The tree's complete subtrees are stored as it grows (a page of leaves per transaction), so a
 * root or a proof reads O(log n) nodes and a restart resumes from the last signed checkpoint
 * without rescanning the log.
 */
public final class TransparencyLog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TransparencyLog.class);

    /** Leaves read and integrated per transaction: {@value}. */
    static final int PAGE = 4096;

    private final TreeStore store;
    private final SigningKey key;
    private final NoteKey noteKey;
    private final String origin;
    private final Clock clock;
    private final Object lock = new Object(); // guards range, latest
    private CompactRange range;
    private SignedCheckpoint latest;
    private volatile boolean broken;
    private volatile String brokenReason;
    private ScheduledExecutorService ticker;
    private final Object retentionLock = new Object(); // guards the signing of pendingRetention
    private final Set<YearMonth> pendingRetention = java.util.concurrent.ConcurrentHashMap.newKeySet();

    TransparencyLog(TreeStore store, SigningKey key, String origin, Clock clock) {
        this.store = store;
        this.key = key;
        this.origin = origin;
        this.noteKey = key.noteKey(origin);
        this.clock = clock;
        try {
            resume();
        } catch (IllegalStateException e) {
            // ingest goes on; no checkpoint is signed over a tree that contradicts the signed one
            broken = true;
            brokenReason = e.getMessage();
            LOG.error("{}. No checkpoint will be signed until this is investigated", e.getMessage());
        }
    }

    /**
     * Opens the log's tables on {@code storage} (already migrated by the repository), resumes from
     * the last signed checkpoint and starts publishing.
     *
     * @param origin the checkpoint origin line; {@code null} for {@link SigningKey#defaultOrigin()}
     */
    public static TransparencyLog start(
            StorageConfig storage, SigningKey key, String origin, Duration interval, Clock clock) {
        JdbcTreeStore store = JdbcTreeStore.open(storage);
        try {
            TransparencyLog log = new TransparencyLog(store, key, origin == null ? key.defaultOrigin() : origin, clock);
            log.startTicker(interval);
            return log;
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    private void resume() {
        Optional<TreeStore.StoredCheckpoint> last = store.latestCheckpoint();
        if (last.isEmpty()) {
            range = new CompactRange();
            return;
        }
        long size = last.get().treeSize();
        List<NodeId> edge = CompactRange.edgeOf(size);
        Map<NodeId, byte[]> nodes = store.nodes(edge);
        List<byte[]> hashes = new ArrayList<>();
        for (NodeId id : edge) {
            byte[] h = nodes.get(id);
            if (h == null) {
                throw new IllegalStateException("verifiable log: node " + id + " of the signed tree of size " + size
                        + " is missing from log_tree_strip; the tree store was changed outside DataStorage");
            }
            hashes.add(h);
        }
        CompactRange restored = CompactRange.restore(size, hashes);
        if (!Arrays.equals(restored.root(), last.get().rootHash())) {
            throw new IllegalStateException("verifiable log: the stored tree of size " + size
                    + " does not match its signed checkpoint; log_tree_strip was changed outside DataStorage");
        }
        range = restored;
        if (last.get().keyId().equals(noteKey.keyIdHex())) {
            latest = new SignedCheckpoint(
                    Checkpoint.parse(SignedNote.open(last.get().note(), noteKey)),
                    last.get().note());
        }
        LOG.info("Verifiable log resumed at tree size {} (origin {}, key {})", size, origin, noteKey.keyIdHex());
    }

    private void startTicker(Duration interval) {
        ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "log-checkpoint");
            t.setDaemon(true);
            return t;
        });
        ticker.scheduleWithFixedDelay(this::tick, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void tick() {
        try {
            flushRetention();
            publish();
        } catch (StorageUnavailableException e) {
            LOG.warn("Verifiable log: no checkpoint this round: {}", e.getMessage());
        } catch (RuntimeException e) {
            if (!broken) {
                LOG.error("Verifiable log: publishing failed", e);
            }
        }
    }

    /**
     * Grows the tree over every new contiguous leaf of {@code audit_log} and signs a checkpoint when
     * it grew or when none is signed with the current key yet.
     *
     * @return the latest checkpoint afterwards
     */
    public SignedCheckpoint publish() {
        if (broken) {
            throw new IllegalStateException(brokenReason);
        }
        synchronized (lock) {
            while (true) {
                List<byte[]> page = store.leafHashes(range.size(), PAGE);
                if (page.isEmpty()) {
                    break;
                }
                CompactRange next = range.copy();
                List<CompactRange.Node> nodes = new ArrayList<>(page.size() * 2);
                for (byte[] leafHash : page) {
                    nodes.add(new CompactRange.Node(new NodeId(0, next.size()), leafHash));
                    nodes.addAll(next.append(leafHash));
                }
                store.addNodes(nodes); // a failure leaves range as it was: the page is redone next time
                range = next;
                if (page.size() < PAGE) {
                    break;
                }
            }
            if (latest == null || latest.checkpoint().treeSize() < range.size()) {
                Checkpoint cp = new Checkpoint(origin, range.size(), range.root());
                String note = key.sign(cp.body(), noteKey);
                store.addCheckpoint(new TreeStore.StoredCheckpoint(
                        cp.treeSize(), noteKey.keyIdHex(), cp.rootHash(), note, Instant.now(clock)));
                latest = new SignedCheckpoint(cp, note);
                LOG.debug("Signed checkpoint at tree size {}", cp.treeSize());
            }
            return latest;
        }
    }

    /** The latest signed checkpoint; empty until the first one is published. */
    public Optional<SignedCheckpoint> latest() {
        synchronized (lock) {
            return Optional.ofNullable(latest);
        }
    }

    /** The size of the tree covered by the latest checkpoint (0 before the first). */
    public long checkpointSize() {
        return latest().map(c -> c.checkpoint().treeSize()).orElse(0L);
    }

    /** The audit path of {@code index} in the tree of {@code treeSize} leaves (≤ the latest checkpoint's size). */
    public List<byte[]> inclusionProof(long index, long treeSize) {
        checkSize("tree_size", treeSize);
        return read(
                r -> MerkleProofs.inclusionProof(index, treeSize, r),
                f -> MerkleProofs.inclusionProof(index, treeSize, f));
    }

    /** The consistency proof between two tree sizes (each ≤ the latest checkpoint's size). */
    public List<byte[]> consistencyProof(long from, long to) {
        checkSize("to", to);
        return read(r -> MerkleProofs.consistencyProof(from, to, r), f -> MerkleProofs.consistencyProof(from, to, f));
    }

    /** The root of the tree of {@code treeSize} leaves (≤ the latest checkpoint's size). */
    public byte[] root(long treeSize) {
        checkSize("tree_size", treeSize);
        return read(r -> MerkleProofs.root(treeSize, r), f -> MerkleProofs.root(treeSize, f));
    }

    private <T> T read(Consumer<Function<NodeId, byte[]>> plan, Function<Function<NodeId, byte[]>, T> compute) {
        Set<NodeId> wanted = MerkleProofs.nodesFor(plan);
        Map<NodeId, byte[]> nodes = store.nodes(wanted);
        if (nodes.size() != wanted.size()) {
            Set<NodeId> missing =
                    wanted.stream().filter(id -> !nodes.containsKey(id)).collect(Collectors.toSet());
            throw new IllegalStateException(
                    "verifiable log: tree nodes " + missing + " are missing from log_tree_strip");
        }
        return compute.apply(MerkleProofs.from(nodes));
    }

    private void checkSize(String name, long size) {
        long signed = checkpointSize();
        if (size > signed) {
            throw new IllegalArgumentException(
                    name + " must be ≤ the latest checkpoint's tree size " + signed + " (got " + size + ")");
        }
    }

    /** The keys checkpoints are signed with, current first. */
    public List<NoteKey> keys() {
        return List.of(noteKey);
    }

    public String origin() {
        return origin;
    }

    /** The log index of {@code eventId}, if the event is in {@code audit_log}. */
    public java.util.OptionalLong logIndexOf(java.util.UUID eventId) {
        return store.logIndexOf(eventId);
    }

    /** One page of the log as stored, with the tree's copy of each leaf hash. */
    public List<TreeStore.LogLeafRow> leaves(long from, int max) {
        return store.leaves(from, max);
    }

    /**
     * Signs and stores a retention record per removed month: how many log entries have an
     * event_date in it, so a verifier can tell pruned events from deleted ones. A month whose
     * record cannot be stored now (database down) is retried at every checkpoint round.
     */
    public void recordRetention(List<YearMonth> months) {
        pendingRetention.addAll(months);
        flushRetention();
    }

    private void flushRetention() {
        synchronized (retentionLock) {
            if (pendingRetention.isEmpty()) {
                return;
            }
            List<String> months =
                    pendingRetention.stream().map(YearMonth::toString).toList();
            Map<String, Long> counts = store.entriesPerMonth(months);
            long treeSize = checkpointSize();
            for (Map.Entry<String, Long> e : counts.entrySet()) {
                RetentionNote record = new RetentionNote(origin, e.getKey(), e.getValue(), treeSize);
                String note = key.sign(record.body(), noteKey);
                store.addRetentionRecord(new TreeStore.RetentionRecord(
                        e.getKey(), noteKey.keyIdHex(), e.getValue(), note, Instant.now(clock)));
                pendingRetention.remove(YearMonth.parse(e.getKey()));
                LOG.info(
                        "Signed retention record: month {} removed, {} log entries keep their leaves only",
                        e.getKey(),
                        e.getValue());
            }
        }
    }

    public List<TreeStore.RetentionRecord> retentionRecords() {
        return store.retentionRecords();
    }

    /** Whether the stored tree failed to match its own signed checkpoint at start. */
    public boolean broken() {
        return broken;
    }

    /** Stops publishing (waiting for a running round) and closes the connections. Idempotent. */
    @Override
    public void close() {
        if (ticker != null) {
            ticker.shutdown();
            try {
                if (!ticker.awaitTermination(10, TimeUnit.SECONDS)) {
                    LOG.warn("Timed out waiting for the checkpoint round after 10s; stopping anyway");
                    ticker.shutdownNow();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                ticker.shutdownNow();
            }
        }
        store.close();
    }

    /** A checkpoint and its signed-note text. */
    public record SignedCheckpoint(Checkpoint checkpoint, String note) {}

    /** @return {@code MerkleHash.hex} of a hash, for messages */
    static String hex(byte[] hash) {
        return MerkleHash.hex(hash);
    }
}
