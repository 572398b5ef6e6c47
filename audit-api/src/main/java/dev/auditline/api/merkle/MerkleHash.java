package dev.auditline.api.merkle;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The two hash functions of RFC 6962 §2.1 / RFC 9162 §2.1.1 with SHA-256: a leaf is hashed with a
 * {@code 0x00} prefix and an interior node with {@code 0x01}, so no leaf can be passed off as a node
 * (second-preimage resistance). The empty tree's hash is SHA-256 of nothing.
 */
public final class MerkleHash {
    /** SHA-256 output length in bytes: {@value}. */
    public static final int HASH_BYTES = 32;

    private MerkleHash() {}

    /** {@code SHA-256(0x00 || leaf)}. */
    public static byte[] leaf(byte[] leaf) {
        MessageDigest sha = sha256();
        sha.update((byte) 0x00);
        sha.update(leaf);
        return sha.digest();
    }

    /** {@code SHA-256(0x01 || left || right)}. */
    public static byte[] node(byte[] left, byte[] right) {
        MessageDigest sha = sha256();
        sha.update((byte) 0x01);
        sha.update(left);
        sha.update(right);
        return sha.digest();
    }

    /** The root of the empty tree: {@code SHA-256()}. */
    public static byte[] empty() {
        return sha256().digest();
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /** Lower-case hex, for messages and logs. */
    public static String hex(byte[] bytes) {
        StringBuilder s = new StringBuilder(bytes.length * 2);
        for (byte b : bytes) {
            s.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
        }
        return s.toString();
    }
}
