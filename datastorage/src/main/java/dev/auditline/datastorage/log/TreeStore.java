package dev.auditline.datastorage.log;

import dev.auditline.api.merkle.CompactRange;
import dev.auditline.api.merkle.NodeId;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where the verifiable log keeps what it builds over {@code audit_log}: the complete subtrees of the
 * Merkle tree, the signed checkpoints and the signed retention records. Insert and read only, so the
 * runtime role needs no more than INSERT and SELECT.
 *
 * <p>Implementations are thread-safe. Every method throws {@link
 * dev.auditline.datastorage.store.StorageUnavailableException} when the database cannot be reached.
 */
public interface TreeStore extends AutoCloseable {

    /** {@code audit_log}'s leaf hashes from log index {@code from}, in order, at most {@code max}, stopping at a gap. */
    List<byte[]> leafHashes(long from, int max);

    /** The stored hashes of {@code ids}; a node not stored is absent from the map. */
    Map<NodeId, byte[]> nodes(Collection<NodeId> ids);

    /** Stores complete subtrees in one transaction; a node already stored is left as it is. */
    void addNodes(List<CompactRange.Node> nodes);

    /** Stores a signed checkpoint; one already stored for the same size and key is left as it is. */
    void addCheckpoint(StoredCheckpoint checkpoint);

    /** The stored checkpoint of the largest tree size, if any. */
    Optional<StoredCheckpoint> latestCheckpoint();

    /** Stores a signed retention record; one already stored for the same month and key is left as it is. */
    void addRetentionRecord(RetentionRecord record);

    List<RetentionRecord> retentionRecords();

    /** {@code audit_log} entries per month ({@code YYYY-MM}) of their event_date, for the given months. */
    Map<String, Long> entriesPerMonth(Collection<String> months);

    /** The log index of {@code eventId} in {@code audit_log}, if it is there. */
    java.util.OptionalLong logIndexOf(java.util.UUID eventId);

    /** One page of {@code audit_log} rows with the tree's own copy of each leaf hash. */
    List<LogLeafRow> leaves(long from, int max);

    @Override
    void close();

    /** A checkpoint as stored: its parsed values and the signed note text. */
    public record StoredCheckpoint(long treeSize, String keyId, byte[] rootHash, String note, Instant publishedAt) {}

    /** A signed retention record: the month removed and how many log entries lost their events. */
    public record RetentionRecord(String month, String keyId, long entries, String note, Instant recordedAt) {}

    /**
     * An index of the log: what {@code audit_log} holds now (each part {@code null} when the row is
     * gone) and the leaf hash the tree was built over ({@code null} when the tree has not reached it).
     */
    public record LogLeafRow(
            long logIndex, String eventId, String eventDate, byte[] leaf, byte[] leafHash, byte[] treeLeafHash) {}
}
