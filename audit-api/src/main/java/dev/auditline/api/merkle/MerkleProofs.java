package dev.auditline.api.merkle;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Inclusion and consistency proofs of RFC 6962 §2.1.1-2.1.2 (RFC 9162 §2.1.3-2.1.4), generated from
 * the hashes of complete subtrees ({@link NodeId}) and verified from nothing but the proof.
 *
 * <p>Generation follows the RFC's recursive definitions ({@code PATH} and {@code SUBPROOF}); every
 * {@code MTH(D[a:b])} they ask for is split into at most {@code log2(n)} complete subtrees, so a
 * proof costs O(log n) node reads whatever the tree's size. {@link #nodesFor} lists those nodes up
 * front so a store can fetch them in one query.
 */
public final class MerkleProofs {

    private MerkleProofs() {}

    /** The hash of leaves {@code [start, end)}, {@code MTH(D[start:end])}, from complete subtrees. */
    public static byte[] rangeHash(long start, long end, Function<NodeId, byte[]> nodes) {
        long size = end - start;
        if (size <= 0) {
            throw new IllegalArgumentException("range must hold at least one leaf (got [" + start + ", " + end + "))");
        }
        if (Long.bitCount(size) == 1 && start % size == 0) {
            return nodes.apply(new NodeId(Long.numberOfTrailingZeros(size), start / size));
        }
        long k = largestPowerOfTwoBelow(size);
        return MerkleHash.node(rangeHash(start, start + k, nodes), rangeHash(start + k, end, nodes));
    }

    /** The root of the tree of the first {@code size} leaves; the empty tree's hash when 0. */
    public static byte[] root(long size, Function<NodeId, byte[]> nodes) {
        return size == 0 ? MerkleHash.empty() : rangeHash(0, size, nodes);
    }

    /** The audit path of leaf {@code index} in the tree of {@code size} leaves, leaf side first. */
    public static List<byte[]> inclusionProof(long index, long size, Function<NodeId, byte[]> nodes) {
        if (index < 0 || index >= size) {
            throw new IllegalArgumentException("index must be in [0, " + size + ") (got " + index + ")");
        }
        List<byte[]> proof = new ArrayList<>();
        path(index, 0, size, nodes, proof);
        return proof;
    }

    private static void path(long m, long start, long end, Function<NodeId, byte[]> nodes, List<byte[]> out) {
        long n = end - start;
        if (n == 1) {
            return;
        }
        long k = largestPowerOfTwoBelow(n);
        if (m < k) {
            path(m, start, start + k, nodes, out);
            out.add(rangeHash(start + k, end, nodes));
        } else {
            path(m - k, start + k, end, nodes, out);
            out.add(rangeHash(start, start + k, nodes));
        }
    }

    /**
     * The proof that the tree of {@code oldSize} leaves is a prefix of the tree of {@code newSize}
     * leaves; empty when the sizes are equal or {@code oldSize} is 0.
     */
    public static List<byte[]> consistencyProof(long oldSize, long newSize, Function<NodeId, byte[]> nodes) {
        if (oldSize < 0 || oldSize > newSize) {
            throw new IllegalArgumentException(
                    "sizes must satisfy 0 ≤ old ≤ new (got old " + oldSize + ", new " + newSize + ")");
        }
        List<byte[]> proof = new ArrayList<>();
        if (oldSize > 0 && oldSize < newSize) {
            subproof(oldSize, 0, newSize, true, nodes, proof);
        }
        return proof;
    }

    private static void subproof(
            long m, long start, long end, boolean whole, Function<NodeId, byte[]> nodes, List<byte[]> out) {
        long n = end - start;
        if (m == n) {
            if (!whole) {
                out.add(rangeHash(start, end, nodes));
            }
            return;
        }
        long k = largestPowerOfTwoBelow(n);
        if (m <= k) {
            subproof(m, start, start + k, whole, nodes, out);
            out.add(rangeHash(start + k, end, nodes));
        } else {
            subproof(m - k, start + k, end, false, nodes, out);
            out.add(rangeHash(start, start + k, nodes));
        }
    }

    /**
     * The complete subtrees a proof or root will read, for fetching them in one go: run the
     * generator with a recorder, fetch, run it again over the fetched map.
     */
    public static Set<NodeId> nodesFor(java.util.function.Consumer<Function<NodeId, byte[]>> generator) {
        Set<NodeId> wanted = new LinkedHashSet<>();
        byte[] placeholder = new byte[MerkleHash.HASH_BYTES];
        generator.accept(id -> {
            wanted.add(id);
            return placeholder;
        });
        return wanted;
    }

    /** A node reader over fetched nodes that names a node it was not given. */
    public static Function<NodeId, byte[]> from(Map<NodeId, byte[]> fetched) {
        return id -> {
            byte[] hash = fetched.get(id);
            if (hash == null) {
                throw new IllegalStateException("node " + id + " was not fetched");
            }
            return hash;
        };
    }

    /**
     * RFC 9162 §2.1.3.2: whether {@code proof} shows the leaf with hash {@code leafHash} at {@code
     * index} in the tree of {@code size} leaves whose root is {@code root}.
     */
    public static boolean verifyInclusion(long index, long size, byte[] leafHash, List<byte[]> proof, byte[] root) {
        if (index < 0 || index >= size) {
            return false;
        }
        long fn = index;
        long sn = size - 1;
        byte[] r = leafHash;
        for (byte[] p : proof) {
            if (sn == 0) {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn) {
                r = MerkleHash.node(p, r);
                while ((fn & 1) == 0 && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
            } else {
                r = MerkleHash.node(r, p);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && Arrays.equals(r, root);
    }

    /**
     * RFC 9162 §2.1.4.2: whether {@code proof} shows the tree of {@code oldSize} leaves with root
     * {@code oldRoot} to be a prefix of the tree of {@code newSize} leaves with root {@code newRoot}.
     * Equal sizes need an empty proof and equal roots; an old size of 0 is a prefix of anything.
     */
    public static boolean verifyConsistency(
            long oldSize, long newSize, byte[] oldRoot, byte[] newRoot, List<byte[]> proof) {
        if (oldSize < 0 || oldSize > newSize) {
            return false;
        }
        if (oldSize == newSize) {
            return proof.isEmpty() && Arrays.equals(oldRoot, newRoot);
        }
        if (oldSize == 0) {
            return proof.isEmpty();
        }
        List<byte[]> path = new ArrayList<>(proof);
        if (Long.bitCount(oldSize) == 1) {
            path.add(0, oldRoot);
        }
        if (path.isEmpty()) {
            return false;
        }
        long fn = oldSize - 1;
        long sn = newSize - 1;
        while ((fn & 1) == 1) {
            fn >>= 1;
            sn >>= 1;
        }
        byte[] fr = path.get(0);
        byte[] sr = path.get(0);
        for (byte[] c : path.subList(1, path.size())) {
            if (sn == 0) {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn) {
                fr = MerkleHash.node(c, fr);
                sr = MerkleHash.node(c, sr);
                while ((fn & 1) == 0 && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
            } else {
                sr = MerkleHash.node(sr, c);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && Arrays.equals(fr, oldRoot) && Arrays.equals(sr, newRoot);
    }

    /** The largest power of two strictly below {@code n} (n ≥ 2), the RFC's {@code k}. */
    static long largestPowerOfTwoBelow(long n) {
        return Long.highestOneBit(n - 1);
    }
}
