package dev.auditline.datastorage.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.auditline.api.merkle.CompactRange;
import dev.auditline.api.merkle.MerkleHash;
import dev.auditline.api.merkle.NodeId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TreeStripsTest {

    /** Every complete subtree of a tree of {@code leaves}, as the server grows it, by id. */
    static Map<NodeId, byte[]> grow(int leaves, Random random, List<List<CompactRange.Node>> rounds) {
        CompactRange range = new CompactRange();
        Map<NodeId, byte[]> all = new HashMap<>();
        while (range.size() < leaves) {
            int page = Math.min(leaves - (int) range.size(), 1 + random.nextInt(700));
            List<CompactRange.Node> round = new ArrayList<>();
            for (int i = 0; i < page; i++) {
                byte[] leafHash = MerkleHash.leaf(("leaf " + range.size()).getBytes());
                round.add(new CompactRange.Node(new NodeId(0, range.size()), leafHash));
                round.addAll(range.append(leafHash));
            }
            round.forEach(n -> all.put(n.id(), n.hash()));
            rounds.add(round);
        }
        return all;
    }

    @Test
    void everyCompleteSubtreeIsReadBackFromTheStripsOfItsRounds() {
        Random random = new Random(7);
        List<List<CompactRange.Node>> rounds = new ArrayList<>();
        int leaves = 70_000; // three stored levels: 0, 8 and 16
        Map<NodeId, byte[]> all = grow(leaves, random, rounds);
        List<TreeStrips.Strip> strips = new ArrayList<>();
        rounds.forEach(r -> strips.addAll(TreeStrips.of(r)));
        Collections.shuffle(strips, random);

        TreeStrips.Known known = new TreeStrips.Known();
        strips.forEach(known::add);
        Map<NodeId, byte[]> read = TreeStrips.resolve(all.keySet(), known);

        assertThat(read.keySet()).isEqualTo(all.keySet());
        all.forEach((id, hash) -> assertThat(read.get(id)).as("%s", id).isEqualTo(hash));
        // only levels 0, 8 and 16 are stored: each hash once
        assertThat(strips.stream().mapToLong(TreeStrips.Strip::count).sum())
                .isEqualTo(leaves + (leaves >> 8) + (leaves >> 16));
        assertThat(strips).extracting(TreeStrips.Strip::level).containsOnly(0, 8, 16);
        // about one strip per 256 leaves, one more per round and level where a round ends
        assertThat(strips.size()).isLessThanOrEqualTo(leaves / 256 + 1 + 3 * rounds.size());
    }

    @Test
    void aRunIsSplitWhereItHasAGapAndAtEveryTileBoundary() {
        List<CompactRange.Node> nodes = new ArrayList<>();
        for (long i = 250; i <= 260; i++) {
            nodes.add(node(0, i));
        }
        nodes.add(node(0, 300));
        nodes.add(node(1, 7)); // computed on read, never stored
        nodes.add(node(8, 0));
        nodes.add(node(0, 512));

        List<TreeStrips.Strip> strips = TreeStrips.of(nodes);

        assertThat(strips)
                .extracting(TreeStrips.Strip::level, TreeStrips.Strip::index, TreeStrips.Strip::count)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(0, 250L, 6),
                        org.assertj.core.groups.Tuple.tuple(0, 256L, 5),
                        org.assertj.core.groups.Tuple.tuple(0, 300L, 1),
                        org.assertj.core.groups.Tuple.tuple(0, 512L, 1),
                        org.assertj.core.groups.Tuple.tuple(8, 0L, 1));
        assertThat(strips.get(1).hash(4)).isEqualTo(node(0, 260).hash());
    }

    @Test
    void aStripMustLieWithinOneTileOfAStoredLevel() {
        assertThatThrownBy(() -> new TreeStrips.Strip(0, 255, new byte[64])).hasMessageContaining("within one tile");
        assertThatThrownBy(() -> new TreeStrips.Strip(3, 0, new byte[32])).hasMessageContaining("not a strip");
        assertThatThrownBy(() -> new TreeStrips.Strip(0, 0, new byte[33])).hasMessageContaining("not a strip");
    }

    @Test
    void overlappingStripsThatAgreeAreReadAndADisputedPositionIsNotStored() {
        Random random = new Random(3);
        List<List<CompactRange.Node>> rounds = new ArrayList<>();
        Map<NodeId, byte[]> all = grow(1024, random, rounds);
        TreeStrips.Known known = new TreeStrips.Known();
        rounds.forEach(r -> TreeStrips.of(r).forEach(known::add));
        // a redone round: the same hashes again, from another start
        List<CompactRange.Node> redo = new ArrayList<>();
        for (long i = 100; i < 200; i++) {
            redo.add(new CompactRange.Node(new NodeId(0, i), all.get(new NodeId(0, i))));
        }
        TreeStrips.of(redo).forEach(known::add);
        assertThat(TreeStrips.resolve(all.keySet(), known)).containsOnlyKeys(all.keySet());

        // a strip written around DataStorage with another hash at leaf 5
        byte[] forged = MerkleHash.leaf("forged".getBytes());
        known.add(new TreeStrips.Strip(0, 5, forged));
        known.add(new TreeStrips.Strip(0, 5, all.get(new NodeId(0, 5)))); // the true one again: still disputed

        Map<NodeId, byte[]> read = TreeStrips.resolve(all.keySet(), known);
        List<NodeId> lost = all.keySet().stream()
                .filter(id -> !read.containsKey(id))
                .sorted(java.util.Comparator.comparingInt(NodeId::level))
                .toList();
        // leaf 5 and the subtrees over it computed from level 0 (levels 1..7), and nothing else:
        // from level 8 up the tree is read from its own stored level
        assertThat(lost).hasSize(8);
        assertThat(lost).extracting(NodeId::level).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
        assertThat(lost)
                .allSatisfy(id -> assertThat(id.start()).isLessThanOrEqualTo(5).isGreaterThan(5 - (1L << id.level())));
        read.forEach((id, hash) -> assertThat(hash).isEqualTo(all.get(id)));
    }

    @Test
    void spansOfNearbyNodesAreMergedPerStoredLevel() {
        List<TreeStrips.Span> spans = TreeStrips.spans(List.of(
                new NodeId(3, 2), // level 0, 16..24
                new NodeId(2, 6), // level 0, 24..28: adjacent
                new NodeId(0, 40),
                new NodeId(9, 1), // level 8, 2..4
                new NodeId(8, 3))); // level 8, 3..4: inside

        assertThat(spans)
                .containsExactly(
                        new TreeStrips.Span(0, 16, 28), new TreeStrips.Span(0, 40, 41), new TreeStrips.Span(8, 2, 4));
    }

    private static CompactRange.Node node(int level, long index) {
        return new CompactRange.Node(new NodeId(level, index), MerkleHash.leaf((level + "/" + index).getBytes()));
    }
}
