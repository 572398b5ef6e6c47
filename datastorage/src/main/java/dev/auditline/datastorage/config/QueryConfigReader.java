package dev.auditline.datastorage.config;

/** Reads and checks the {@code query} section. */
final class QueryConfigReader {
    private QueryConfigReader() {}

    static QueryConfig read(ConfigSection query) {
        long maxPageBytes = query.size(
                "max_page_bytes",
                QueryConfig.DEFAULT.maxPageBytes(),
                QueryConfig.MIN_MAX_PAGE_BYTES,
                QueryConfig.MAX_MAX_PAGE_BYTES);
        query.rejectUnknown();
        return new QueryConfig(maxPageBytes);
    }
}
