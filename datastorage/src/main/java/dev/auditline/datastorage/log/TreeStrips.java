package dev.auditline.datastorage.log;

import dev.auditline.api.merkle.CompactRange;
import dev.auditline.api.merkle.MerkleHash;
import dev.auditline.api.merkle.NodeId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How the Merkle tree is stored: as <em>strips</em>, runs of consecutive node hashes of one level,
 * and only at the levels that are multiples of {@value #LEVELS_PER_TILE} (the layout of a tiled
 * transparency log). A strip never crosses a tile, the {@value #TILE_WIDTH} nodes from a multiple of
 * {@value #TILE_WIDTH}, so at most {@value #TILE_WIDTH} hashes make a row and the strips that hold a
 * position are found among those that start less than a tile before it. A node of any other level
 * is the hash of the at most 128 stored nodes under it, {@code level mod 8} levels down.
 *
 * <p>The tree grows by appending strips and never rewrites one. A round that is redone after a
 * failure or a restart writes strips that overlap the ones already stored; overlapping strips hold
 * the same hashes, and a position two strips disagree on (only a writer around DataStorage can
 * cause that) is treated as not stored, so every read of it fails loudly.
 *
 * <p>Pure: no I/O. {@link JdbcTreeStore} writes and reads the rows.
 */
final class TreeStrips {
    /** Levels of the tree per stored level: nodes of levels {@code 0, 8, 16, …} are stored. */
    static final int LEVELS_PER_TILE = 8;

    /** Nodes per tile: {@value}. */
    static final int TILE_WIDTH = 1 << LEVELS_PER_TILE;

    private TreeStrips() {}

    /** Consecutive node hashes of one stored level, from node {@code index}, within one tile. */
    record Strip(int level, long index, byte[] hashes) {
        Strip {
            if (level % LEVELS_PER_TILE != 0 || hashes.length == 0 || hashes.length % 32 != 0) {
                throw new IllegalArgumentException("not a strip: level " + level + ", " + hashes.length + " bytes");
            }
            long count = hashes.length / 32;
            if (index < 0 || index % TILE_WIDTH + count > TILE_WIDTH) {
                throw new IllegalArgumentException(
                        "a strip lies within one tile (got " + count + " nodes from " + index + ")");
            }
        }

        int count() {
            return hashes.length / 32;
        }

        byte[] hash(int i) {
            byte[] h = new byte[32];
            System.arraycopy(hashes, i * 32, h, 0, 32);
            return h;
        }
    }

    /** The nodes of one stored level from {@code from} (inclusive) to {@code to} (exclusive). */
    record Span(int level, long from, long to) {}

    /** The stored level a node of {@code level} is computed from. */
    static int storedLevel(int level) {
        return level - level % LEVELS_PER_TILE;
    }

    /**
     * The strips that store {@code nodes}: those at stored levels, in runs of consecutive indexes
     * split at tile boundaries; nodes of the other levels are left out. Order: by level, then index.
     */
    static List<Strip> of(Collection<CompactRange.Node> nodes) {
        TreeMap<Integer, TreeMap<Long, byte[]>> byLevel = new TreeMap<>();
        for (CompactRange.Node n : nodes) {
            if (n.id().level() % LEVELS_PER_TILE == 0) {
                byLevel.computeIfAbsent(n.id().level(), l -> new TreeMap<>()).putIfAbsent(n.id().index(), n.hash());
            }
        }
        List<Strip> strips = new ArrayList<>();
        byLevel.forEach((level, hashes) -> {
            long start = -1;
            long next = -1;
            List<byte[]> run = new ArrayList<>();
            for (Map.Entry<Long, byte[]> e : hashes.entrySet()) {
                long index = e.getKey();
                if (index != next || index % TILE_WIDTH == 0) {
                    addRun(strips, level, start, run);
                    start = index;
                }
                run.add(e.getValue());
                next = index + 1;
            }
            addRun(strips, level, start, run);
        });
        return strips;
    }

    private static void addRun(List<Strip> strips, int level, long start, List<byte[]> run) {
        if (run.isEmpty()) {
            return;
        }
        byte[] hashes = new byte[run.size() * 32];
        for (int i = 0; i < run.size(); i++) {
            System.arraycopy(run.get(i), 0, hashes, i * 32, 32);
        }
        strips.add(new Strip(level, start, hashes));
        run.clear();
    }

    /** The span of stored nodes {@code id} is computed from. */
    static Span spanOf(NodeId id) {
        int base = storedLevel(id.level());
        int shift = id.level() - base;
        return new Span(base, id.index() << shift, (id.index() + 1) << shift);
    }

    /** The spans to read for {@code ids}: per stored level, overlapping and adjacent spans merged. */
    static List<Span> spans(Collection<NodeId> ids) {
        List<Span> all = new ArrayList<>();
        for (NodeId id : ids) {
            all.add(spanOf(id));
        }
        all.sort(Comparator.comparingInt(Span::level).thenComparingLong(Span::from));
        List<Span> merged = new ArrayList<>();
        for (Span s : all) {
            Span last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
            if (last != null && last.level() == s.level() && s.from() <= last.to()) {
                merged.set(merged.size() - 1, new Span(last.level(), last.from(), Math.max(last.to(), s.to())));
            } else {
                merged.add(s);
            }
        }
        return merged;
    }

    /**
     * The stored node hashes that a set of strips holds, by level and index. A position that two
     * strips give different hashes for is dropped and stays dropped.
     */
    static final class Known {
        /** Marks a position two strips disagree on; never a hash (a hash is 32 bytes). */
        private static final byte[] DISPUTED = new byte[0];

        private final Map<Integer, Map<Long, byte[]>> hashes = new HashMap<>();

        void add(Strip strip) {
            Map<Long, byte[]> level = hashes.computeIfAbsent(strip.level(), l -> new HashMap<>());
            for (int i = 0; i < strip.count(); i++) {
                byte[] h = strip.hash(i);
                byte[] before = level.putIfAbsent(strip.index() + i, h);
                if (before != null && !Arrays.equals(before, h)) {
                    level.put(strip.index() + i, DISPUTED);
                }
            }
        }

        /** The stored hash at {@code level} (a stored level) and {@code index}, or {@code null}. */
        byte[] stored(int level, long index) {
            Map<Long, byte[]> l = hashes.get(level);
            byte[] h = l == null ? null : l.get(index);
            return h == DISPUTED ? null : h;
        }

        /**
         * The hash of {@code id}: stored, or computed from the stored nodes under it; {@code null}
         * when one of those is not known.
         */
        byte[] node(NodeId id) {
            Span span = spanOf(id);
            return hashOf(span.level(), span.from(), span.to());
        }

        private byte[] hashOf(int level, long from, long to) {
            if (to - from == 1) {
                return stored(level, from);
            }
            long mid = from + (to - from) / 2;
            byte[] left = hashOf(level, from, mid);
            if (left == null) {
                return null;
            }
            byte[] right = hashOf(level, mid, to);
            return right == null ? null : MerkleHash.node(left, right);
        }
    }

    /** The hashes of {@code ids} that {@code known} holds or can compute; the others are absent. */
    static Map<NodeId, byte[]> resolve(Collection<NodeId> ids, Known known) {
        Map<NodeId, byte[]> out = new HashMap<>();
        for (NodeId id : ids) {
            byte[] h = known.node(id);
            if (h != null) {
                out.put(id, h);
            }
        }
        return out;
    }
}
