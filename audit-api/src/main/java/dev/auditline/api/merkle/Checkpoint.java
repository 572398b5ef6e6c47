package dev.auditline.api.merkle;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Objects;

/**
 * A checkpoint in the C2SP {@code tlog-checkpoint} text form: the log's origin line, the tree size
 * in decimal, the base64 root hash, each ending in a newline. It is the body of a signed note
 * ({@link SignedNote}); whoever holds one signed checkpoint can demand proofs that every later tree
 * extends it.
 */
public record Checkpoint(String origin, long treeSize, byte[] rootHash) {
    public Checkpoint {
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(rootHash, "rootHash");
        if (origin.isEmpty() || origin.contains("\n") || origin.contains("+") || origin.isBlank()) {
            throw new IllegalArgumentException(
                    "origin must be one non-empty line without '+' (got \"" + origin + "\")");
        }
        if (treeSize < 0) {
            throw new IllegalArgumentException("tree size must be ≥ 0 (got " + treeSize + ")");
        }
        if (rootHash.length != MerkleHash.HASH_BYTES) {
            throw new IllegalArgumentException(
                    "root hash must be " + MerkleHash.HASH_BYTES + " bytes (got " + rootHash.length + ")");
        }
        rootHash = rootHash.clone();
    }

    @Override
    public byte[] rootHash() {
        return rootHash.clone();
    }

    /** The note body: {@code origin\nsize\nbase64(root)\n}. */
    public String body() {
        return origin + "\n" + treeSize + "\n" + Base64.getEncoder().encodeToString(rootHash) + "\n";
    }

    /**
     * Parses a note body. Extension lines after the root hash are allowed (and ignored), as the
     * C2SP format says.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static Checkpoint parse(String body) {
        if (!body.endsWith("\n")) {
            throw new IllegalArgumentException("checkpoint body must end with a newline");
        }
        String[] lines = body.substring(0, body.length() - 1).split("\n", -1);
        if (lines.length < 3) {
            throw new IllegalArgumentException(
                    "checkpoint body needs origin, tree size and root hash lines (got " + lines.length + " lines)");
        }
        long size;
        if (!lines[1].matches("0|[1-9][0-9]{0,18}")) {
            throw new IllegalArgumentException(
                    "checkpoint tree size is not a decimal number: \"" + shorten(lines[1]) + "\"");
        }
        try {
            size = Long.parseLong(lines[1]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("checkpoint tree size is out of range: \"" + lines[1] + "\"");
        }
        byte[] root;
        try {
            root = Base64.getDecoder().decode(lines[2]);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("checkpoint root hash is not base64: \"" + shorten(lines[2]) + "\"");
        }
        return new Checkpoint(lines[0], size, root);
    }

    /** Equality by value (records compare arrays by identity). */
    public boolean sameAs(Checkpoint other) {
        return origin.equals(other.origin)
                && treeSize == other.treeSize
                && java.util.Arrays.equals(rootHash, other.rootHash);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Checkpoint c && sameAs(c);
    }

    @Override
    public int hashCode() {
        return Objects.hash(origin, treeSize, java.util.Arrays.hashCode(rootHash));
    }

    @Override
    public String toString() {
        return "Checkpoint[" + origin + ", size " + treeSize + ", root " + MerkleHash.hex(rootHash) + "]";
    }

    static String shorten(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        return utf8.length > 60 ? s.substring(0, Math.min(s.length(), 60)) + "…" : s;
    }
}
