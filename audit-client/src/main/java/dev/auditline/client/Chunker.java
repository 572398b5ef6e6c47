package dev.auditline.client;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * The one place that cuts events into requests by count and bytes, for the batcher, the senders
 * (re-cutting to the server's limits), the spiller and the replayer alike. Pure functions of their
 * arguments.
 *
 * <p>A chunk holds at most {@code maxCount} items and at most {@code maxBytes} bytes, except that
 * a single item larger than {@code maxBytes} forms a chunk of its own: callers drop such items as
 * {@code oversize} first where it matters, but a cut must never stall on one.
 */
final class Chunker {
    private Chunker() {}

    /** How many items, taken in order from the first, fit one chunk; at least 1 unless there are none. */
    static <T> int fit(Iterable<T> items, ToIntFunction<? super T> bytes, int maxCount, long maxBytes) {
        int count = 0;
        long total = 0;
        for (Iterator<T> it = items.iterator(); it.hasNext() && count < maxCount; ) {
            int size = bytes.applyAsInt(it.next());
            if (count > 0 && total + size > maxBytes) {
                break;
            }
            total += size;
            count++;
        }
        return count;
    }

    /** {@code items} in order, cut into consecutive chunks that each fit. */
    static <T> List<List<T>> split(List<T> items, ToIntFunction<? super T> bytes, int maxCount, long maxBytes) {
        List<List<T>> chunks = new ArrayList<>();
        int from = 0;
        while (from < items.size()) {
            List<T> rest = items.subList(from, items.size());
            int n = fit(rest, bytes, maxCount, maxBytes);
            chunks.add(new ArrayList<>(rest.subList(0, n)));
            from += n;
        }
        return chunks;
    }

    /** Whether {@code items} as one request would exceed the limits (a single item never does). */
    static <T> boolean exceeds(List<T> items, ToIntFunction<? super T> bytes, int maxCount, long maxBytes) {
        return items.size() > 1 && fit(items, bytes, maxCount, maxBytes) < items.size();
    }
}
