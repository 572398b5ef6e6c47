package dev.auditline.api.merkle;

import java.util.ArrayList;
import java.util.List;

/**
 * The right edge of a growing Merkle tree: the complete subtrees that the binary decomposition of
 * its size gives (at most 63 hashes). Appending a leaf merges equal-sized neighbours and reports
 * every newly completed subtree, so a store can keep all of them; the root of the current size is a
 * fold of the edge. Memory stays O(log n) however many leaves pass through, which is how a verifier
 * rebuilds the root of millions of leaves and how the server extends its stored tree.
 *
 * <p>Not thread-safe: one owner appends.
 */
public final class CompactRange {
    private final List<byte[]> hashes = new ArrayList<>(); // largest (leftmost) subtree first
    private final List<Integer> levels = new ArrayList<>();
    private long size;

    /** An empty tree. */
    public CompactRange() {}

    /**
     * The edge of a tree of {@code size} leaves, from its complete subtrees: one per set bit of
     * {@code size}, largest first, as {@link #edgeOf(long)} lists them.
     */
    public static CompactRange restore(long size, List<byte[]> edgeHashes) {
        List<NodeId> ids = edgeOf(size);
        if (ids.size() != edgeHashes.size()) {
            throw new IllegalArgumentException("a tree of " + size + " leaves has " + ids.size()
                    + " edge subtrees (got " + edgeHashes.size() + ")");
        }
        CompactRange range = new CompactRange();
        for (int i = 0; i < ids.size(); i++) {
            range.hashes.add(edgeHashes.get(i).clone());
            range.levels.add(ids.get(i).level());
        }
        range.size = size;
        return range;
    }

    /** The complete subtrees that make up a tree of {@code size} leaves, largest first. */
    public static List<NodeId> edgeOf(long size) {
        List<NodeId> ids = new ArrayList<>();
        long start = 0;
        for (int level = 62; level >= 0; level--) {
            long width = 1L << level;
            if ((size & width) != 0) {
                ids.add(new NodeId(level, start >> level));
                start += width;
            }
        }
        return ids;
    }

    /**
     * Appends the next leaf's hash; returns the subtrees this completed at level ≥ 1 (the leaf
     * itself, level 0, is already stored with the leaf), smallest first.
     */
    public List<Node> append(byte[] leafHash) {
        List<Node> completed = new ArrayList<>(2);
        byte[] hash = leafHash.clone();
        int level = 0;
        long index = size;
        while (!levels.isEmpty() && levels.get(levels.size() - 1) == level) {
            byte[] left = hashes.remove(hashes.size() - 1);
            levels.remove(levels.size() - 1);
            hash = MerkleHash.node(left, hash);
            level++;
            index >>= 1;
            completed.add(new Node(new NodeId(level, index), hash));
        }
        hashes.add(hash);
        levels.add(level);
        size++;
        return completed;
    }

    /** An independent copy: appending to it leaves this one as it is. */
    public CompactRange copy() {
        CompactRange c = new CompactRange();
        c.hashes.addAll(hashes);
        c.levels.addAll(levels);
        c.size = size;
        return c;
    }

    public long size() {
        return size;
    }

    /** {@code MTH} of the leaves appended so far. */
    public byte[] root() {
        if (hashes.isEmpty()) {
            return MerkleHash.empty();
        }
        byte[] r = hashes.get(hashes.size() - 1);
        for (int i = hashes.size() - 2; i >= 0; i--) {
            r = MerkleHash.node(hashes.get(i), r);
        }
        return r;
    }

    /** A complete subtree and its hash. */
    public record Node(NodeId id, byte[] hash) {}
}
