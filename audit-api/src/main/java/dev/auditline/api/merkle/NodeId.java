package dev.auditline.api.merkle;

/**
 * A complete, aligned subtree of the log's Merkle tree: the {@code 2^level} leaves starting at
 * {@code index << level}. Level 0 is a single leaf. Once the log holds those leaves, the subtree's
 * hash never changes, which is why such nodes can be stored once and read forever.
 */
public record NodeId(int level, long index) {
    public NodeId {
        if (level < 0 || level > 62) {
            throw new IllegalArgumentException("level must be 0..62 (got " + level + ")");
        }
        if (index < 0) {
            throw new IllegalArgumentException("index must be ≥ 0 (got " + index + ")");
        }
    }

    /** The first leaf index covered. */
    public long start() {
        return index << level;
    }

    /** One past the last leaf index covered. */
    public long end() {
        return (index + 1) << level;
    }
}
