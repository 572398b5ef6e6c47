package dev.auditline.auditctl;

/** How {@code query} and {@code get} print events. */
enum OutputFormat {
    /** Aligned columns for people; the default on a terminal. */
    TABLE,
    /** One JSON document: {@code {"events":[...]}}. */
    JSON,
    /** One event per line; the default when stdout is piped. */
    NDJSON,
    /** RFC 4180 with {@link CsvEvents#HEADER}. */
    CSV;

    /** The format when {@code -o} is not given: a table for people, NDJSON for programs. */
    static OutputFormat defaultFor(boolean terminal) {
        return terminal ? TABLE : NDJSON;
    }
}
