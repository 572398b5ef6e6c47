package dev.auditline.datastorage.config;

/**
 * The {@code query} section: limits of the read side.
 *
 * @param maxPageBytes a page of events ({@code /api/v1/audit/events}, the viewer,
 *     {@code /api/v1/audit/log/entries}) ends after the event that would take it past this many
 *     bytes, with a cursor to the rest; a single larger event is still sent, alone
 */
public record QueryConfig(long maxPageBytes) {
    public static final long MIN_MAX_PAGE_BYTES = 1024;
    public static final long MAX_MAX_PAGE_BYTES = 256L * 1024 * 1024;
    public static final QueryConfig DEFAULT = new QueryConfig(4L * 1024 * 1024);

    public QueryConfig {
        if (maxPageBytes < MIN_MAX_PAGE_BYTES || maxPageBytes > MAX_MAX_PAGE_BYTES) {
            throw new IllegalArgumentException("query.max_page_bytes must be between 1KiB and 256MiB (got "
                    + ConfigValues.formatSize(maxPageBytes) + ")");
        }
    }
}
