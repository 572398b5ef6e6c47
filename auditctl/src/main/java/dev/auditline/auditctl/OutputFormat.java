package dev.auditline.auditctl;

import java.util.Locale;
import picocli.CommandLine;

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

    /** {@code -o csv}: the formats are written in lower case on the command line. */
    static final class Converter implements CommandLine.ITypeConverter<OutputFormat> {
        @Override
        public OutputFormat convert(String value) {
            try {
                return OutputFormat.valueOf(value.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(
                        "must be table, json, ndjson or csv (got '" + value + "')");
            }
        }
    }
}
