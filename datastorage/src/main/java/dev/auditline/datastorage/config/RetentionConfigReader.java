package dev.auditline.datastorage.config;

/** Reads and checks the {@code retention} section. */
final class RetentionConfigReader {
    private RetentionConfigReader() {}

    static RetentionConfig read(ConfigSection retention) {
        int defaultDays = retention.integer("default_days", RetentionConfig.DEFAULT.defaultDays(), 0, 36500);
        retention.rejectUnknown();
        return new RetentionConfig(defaultDays);
    }
}
