package dev.auditline.auditctl;

import dev.auditline.api.json.AuditJson;
import java.time.Duration;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Resolves a relative {@code --since/--until} ({@code 15m}, {@code 24h}, {@code 7d}) to an
 * instant once, on the client, for commands that send many requests: the server resolves a relative
 * time against its own clock at each request, so the window of an export would slide between pages
 * and the manifest could not say which range the file covers. Anything else is passed on as given
 * and the server checks it.
 */
final class TimeArgument {
    private static final Pattern RELATIVE = Pattern.compile("(\\d{1,9})(s|m|h|d)");

    private TimeArgument() {}

    static String resolve(String text, Instant now) {
        Matcher m = RELATIVE.matcher(text);
        if (!m.matches()) {
            return text;
        }
        long n = Long.parseLong(m.group(1));
        Duration ago =
                switch (m.group(2)) {
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                };
        return AuditJson.formatTimestamp(now.minus(ago));
    }
}
