package dev.auditline.datastorage.config;

/**
 * The {@code retention} section.
 *
 * @param defaultDays days an event is kept; {@code 0} keeps events forever
 */
public record RetentionConfig(int defaultDays) {
    public static final RetentionConfig DEFAULT = new RetentionConfig(0);
}
