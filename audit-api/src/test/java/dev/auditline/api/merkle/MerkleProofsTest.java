package dev.auditline.api.merkle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class MerkleProofsTest {
    private static final HexFormat HEX = HexFormat.of();

    /** The eight leaves of the RFC 6962 test data used by Certificate Transparency implementations. */
    private static final List<byte[]> RFC_LEAVES = List.of(
            HEX.parseHex(""),
            HEX.parseHex("00"),
            HEX.parseHex("10"),
            HEX.parseHex("2021"),
            HEX.parseHex("3031"),
            HEX.parseHex("40414243"),
            HEX.parseHex("5051525354555657"),
            HEX.parseHex("606162636465666768696a6b6c6d6e6f"));

    /** Roots of the first n of those leaves, n = 1..8. */
    private static final List<String> RFC_ROOTS = List.of(
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");

    // ---- an independent implementation, straight from the RFC's recursive definitions ----

    private static byte[] naiveRoot(List<byte[]> leafHashes) {
        int n = leafHashes.size();
        if (n == 0) {
            return MerkleHash.empty();
        }
        if (n == 1) {
            return leafHashes.get(0);
        }
        int k = Integer.highestOneBit(n - 1);
        return MerkleHash.node(naiveRoot(leafHashes.subList(0, k)), naiveRoot(leafHashes.subList(k, n)));
    }

    private static List<byte[]> naivePath(int m, List<byte[]> d) {
        int n = d.size();
        List<byte[]> out = new ArrayList<>();
        if (n == 1) {
            return out;
        }
        int k = Integer.highestOneBit(n - 1);
        if (m < k) {
            out.addAll(naivePath(m, d.subList(0, k)));
            out.add(naiveRoot(d.subList(k, n)));
        } else {
            out.addAll(naivePath(m - k, d.subList(k, n)));
            out.add(naiveRoot(d.subList(0, k)));
        }
        return out;
    }

    private static List<byte[]> naiveSubproof(int m, List<byte[]> d, boolean b) {
        int n = d.size();
        List<byte[]> out = new ArrayList<>();
        if (m == n) {
            if (!b) {
                out.add(naiveRoot(d));
            }
            return out;
        }
        int k = Integer.highestOneBit(n - 1);
        if (m <= k) {
            out.addAll(naiveSubproof(m, d.subList(0, k), b));
            out.add(naiveRoot(d.subList(k, n)));
        } else {
            out.addAll(naiveSubproof(m - k, d.subList(k, n), false));
            out.add(naiveRoot(d.subList(0, k)));
        }
        return out;
    }

    // ---- the stored-subtree side: every complete node, as a store would keep them ----

    private static Function<NodeId, byte[]> nodesOf(List<byte[]> leafHashes) {
        Map<NodeId, byte[]> nodes = new HashMap<>();
        CompactRange range = new CompactRange();
        for (int i = 0; i < leafHashes.size(); i++) {
            nodes.put(new NodeId(0, i), leafHashes.get(i));
            for (CompactRange.Node node : range.append(leafHashes.get(i))) {
                nodes.put(node.id(), node.hash());
            }
        }
        return MerkleProofs.from(nodes);
    }

    private static List<byte[]> leafHashes(int n, long seed) {
        Random random = new Random(seed);
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] leaf = new byte[1 + random.nextInt(40)];
            random.nextBytes(leaf);
            out.add(MerkleHash.leaf(leaf));
        }
        return out;
    }

    @Test
    void rootsMatchTheRfcTestVectors() {
        List<byte[]> hashes = RFC_LEAVES.stream().map(MerkleHash::leaf).toList();
        Function<NodeId, byte[]> nodes = nodesOf(hashes);
        for (int n = 1; n <= 8; n++) {
            assertThat(HEX.formatHex(MerkleProofs.root(n, nodes)))
                    .as("root of %d", n)
                    .isEqualTo(RFC_ROOTS.get(n - 1));
            assertThat(HEX.formatHex(naiveRoot(hashes.subList(0, n)))).isEqualTo(RFC_ROOTS.get(n - 1));
        }
        assertThat(HEX.formatHex(MerkleProofs.root(0, nodes)))
                .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    @Test
    void compactRangeRootEqualsTheRecursiveRootAtEverySize() {
        List<byte[]> hashes = leafHashes(300, 1);
        CompactRange range = new CompactRange();
        for (int n = 1; n <= hashes.size(); n++) {
            range.append(hashes.get(n - 1));
            assertThat(range.root()).as("size %d", n).isEqualTo(naiveRoot(hashes.subList(0, n)));
        }
    }

    @Test
    void compactRangeRestoredFromItsEdgeContinuesIdentically() {
        List<byte[]> hashes = leafHashes(200, 2);
        Function<NodeId, byte[]> nodes = nodesOf(hashes);
        for (int n = 0; n < 120; n++) {
            List<byte[]> edge = CompactRange.edgeOf(n).stream().map(nodes).toList();
            CompactRange restored = CompactRange.restore(n, edge);
            for (int i = n; i < hashes.size(); i++) {
                restored.append(hashes.get(i));
            }
            assertThat(restored.root()).as("restored at %d", n).isEqualTo(naiveRoot(hashes));
        }
    }

    @Test
    void inclusionProofsEqualTheRfcPathAndVerifyForEveryLeafOfEverySize() {
        List<byte[]> hashes = leafHashes(70, 3);
        Function<NodeId, byte[]> nodes = nodesOf(hashes);
        for (int n = 1; n <= hashes.size(); n++) {
            byte[] root = naiveRoot(hashes.subList(0, n));
            for (int m = 0; m < n; m++) {
                List<byte[]> proof = MerkleProofs.inclusionProof(m, n, nodes);
                assertThat(proof)
                        .usingElementComparator(java.util.Arrays::compare)
                        .containsExactlyElementsOf(naivePath(m, hashes.subList(0, n)));
                assertThat(MerkleProofs.verifyInclusion(m, n, hashes.get(m), proof, root))
                        .as("leaf %d of %d", m, n)
                        .isTrue();
            }
        }
    }

    @Test
    void inclusionVerificationRejectsAWrongLeafIndexSizeOrProof() {
        List<byte[]> hashes = leafHashes(13, 4);
        Function<NodeId, byte[]> nodes = nodesOf(hashes);
        byte[] root = naiveRoot(hashes);
        List<byte[]> proof = MerkleProofs.inclusionProof(5, 13, nodes);
        assertThat(MerkleProofs.verifyInclusion(5, 13, hashes.get(6), proof, root))
                .isFalse();
        assertThat(MerkleProofs.verifyInclusion(4, 13, hashes.get(5), proof, root))
                .isFalse();
        assertThat(MerkleProofs.verifyInclusion(5, 40, hashes.get(5), proof, root))
                .isFalse();
        assertThat(MerkleProofs.verifyInclusion(5, 13, hashes.get(5), proof.subList(0, proof.size() - 1), root))
                .isFalse();
        List<byte[]> longer = new ArrayList<>(proof);
        longer.add(root);
        assertThat(MerkleProofs.verifyInclusion(5, 13, hashes.get(5), longer, root))
                .isFalse();
        List<byte[]> flipped = new ArrayList<>(proof);
        byte[] first = flipped.get(0).clone();
        first[0] ^= 1;
        flipped.set(0, first);
        assertThat(MerkleProofs.verifyInclusion(5, 13, hashes.get(5), flipped, root))
                .isFalse();
        assertThat(MerkleProofs.verifyInclusion(13, 13, hashes.get(5), proof, root))
                .isFalse();
    }

    @Test
    void consistencyProofsEqualTheRfcSubproofAndVerifyForEveryPairOfSizes() {
        List<byte[]> hashes = leafHashes(40, 5);
        Function<NodeId, byte[]> nodes = nodesOf(hashes);
        for (int n = 1; n <= hashes.size(); n++) {
            byte[] newRoot = naiveRoot(hashes.subList(0, n));
            for (int m = 1; m <= n; m++) {
                byte[] oldRoot = naiveRoot(hashes.subList(0, m));
                List<byte[]> proof = MerkleProofs.consistencyProof(m, n, nodes);
                List<byte[]> expected = m == n ? List.of() : naiveSubproof(m, hashes.subList(0, n), true);
                assertThat(proof)
                        .usingElementComparator(java.util.Arrays::compare)
                        .containsExactlyElementsOf(expected);
                assertThat(MerkleProofs.verifyConsistency(m, n, oldRoot, newRoot, proof))
                        .as("%d -> %d", m, n)
                        .isTrue();
            }
        }
    }

    @Test
    void consistencyVerificationRejectsARewrittenPrefix() {
        List<byte[]> hashes = leafHashes(21, 6);
        List<byte[]> rewritten = new ArrayList<>(hashes);
        rewritten.set(3, MerkleHash.leaf(new byte[] {42}));
        Function<NodeId, byte[]> forged = nodesOf(rewritten);
        byte[] oldRoot = naiveRoot(hashes.subList(0, 8));
        byte[] forgedRoot = naiveRoot(rewritten);
        for (int m : new int[] {5, 8, 11}) {
            byte[] honestOld = naiveRoot(hashes.subList(0, m));
            List<byte[]> proof = MerkleProofs.consistencyProof(m, 21, forged);
            assertThat(MerkleProofs.verifyConsistency(m, 21, honestOld, forgedRoot, proof))
                    .as("old size %d", m)
                    .isFalse();
        }
        assertThat(MerkleProofs.verifyConsistency(8, 8, oldRoot, forgedRoot, List.of()))
                .isFalse();
        assertThat(MerkleProofs.verifyConsistency(9, 8, oldRoot, forgedRoot, List.of()))
                .isFalse();
    }

    @Test
    void consistencyVerificationRejectsATruncatedProof() {
        List<byte[]> hashes = leafHashes(30, 7);
        Function<NodeId, byte[]> nodes = nodesOf(hashes);
        List<byte[]> proof = MerkleProofs.consistencyProof(7, 30, nodes);
        assertThat(MerkleProofs.verifyConsistency(
                        7, 30, naiveRoot(hashes.subList(0, 7)), naiveRoot(hashes), proof.subList(0, proof.size() - 1)))
                .isFalse();
        assertThat(MerkleProofs.verifyConsistency(7, 30, naiveRoot(hashes.subList(0, 7)), naiveRoot(hashes), List.of()))
                .isFalse();
    }

    @Test
    void proofsOfALargeTreeReadOnlyLogarithmicallyManyNodes() {
        long size = 5_000_001L;
        Function<NodeId, byte[]> anyNode = id -> MerkleHash.leaf(new byte[] {(byte) id.level(), (byte) id.index()});
        assertThat(MerkleProofs.nodesFor(r -> MerkleProofs.inclusionProof(1_234_567, size, r)))
                .hasSizeLessThanOrEqualTo(2 * 64);
        assertThat(MerkleProofs.nodesFor(r -> MerkleProofs.consistencyProof(3_000_017, size, r)))
                .hasSizeLessThanOrEqualTo(2 * 64);
        assertThat(MerkleProofs.nodesFor(r -> MerkleProofs.root(size, r))).hasSize(Long.bitCount(size));
        assertThat(MerkleProofs.root(size, anyNode)).hasSize(32);
    }

    @Test
    void refusesImpossibleArguments() {
        Function<NodeId, byte[]> nodes = nodesOf(leafHashes(4, 8));
        assertThatThrownBy(() -> MerkleProofs.inclusionProof(4, 4, nodes))
                .hasMessage("index must be in [0, 4) (got 4)");
        assertThatThrownBy(() -> MerkleProofs.consistencyProof(5, 4, nodes))
                .hasMessage("sizes must satisfy 0 ≤ old ≤ new (got old 5, new 4)");
        assertThatThrownBy(() -> CompactRange.restore(3, List.of()))
                .hasMessage("a tree of 3 leaves has 2 edge subtrees (got 0)");
    }
}
