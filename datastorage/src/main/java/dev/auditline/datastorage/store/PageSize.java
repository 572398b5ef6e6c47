package dev.auditline.datastorage.store;

/**
 * Where a page is cut by bytes. An event counts for {@link dev.auditline.api.AuditEvent#estimatedJsonBytes()}
 * (an upper bound of its size in the answer, known without serializing it). A page takes events
 * while they fit its bound; the first event always fits, so one event larger than the bound is
 * still sent, alone, and paging never stalls.
 */
final class PageSize {
    private PageSize() {}

    /**
     * Whether an event of {@code size} bytes still fits a page that holds {@code count} events of
     * {@code used} bytes.
     */
    static boolean fits(int count, long used, long size, long maxBytes) {
        return count == 0 || used + size <= maxBytes;
    }
}
