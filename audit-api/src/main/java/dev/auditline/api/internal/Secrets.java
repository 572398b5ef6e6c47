package dev.auditline.api.internal;

import java.util.regex.Pattern;

/**
 * The one place that masks secrets in text auditline writes: DataStorage's log lines, exception
 * messages and problem details, and the client's log lines and drop summaries (which name {@code
 * datastorage_url}, and may quote an HTTP library's message that echoes it). A database URL can carry a password in several forms, and drivers and pools
 * echo the URL in their own messages ("Failed to get driver instance for jdbcUrl=…"), so masking
 * only where we print the configured URL is not enough: every message that may echo it goes
 * through {@link #mask(String)}, and every exception logged at start-up through {@link
 * #mask(Throwable)}.
 *
 * <p>Masked, with {@code ***} in place of the value:
 *
 * <ul>
 *   <li>the password of a URL's userinfo: {@code postgresql://app:secret@db/audit} (also when the
 *       password holds a raw {@code @}, and in a percent-encoded URL: {@code
 *       %3A%2F%2Fapp%3Asecret%40db});
 *   <li>parameters whose name says secret, in a query string, a JDBC property list or free text:
 *       {@code password=}, {@code pass=}, {@code pwd=}, {@code sslpassword=}, {@code token=}, {@code
 *       secret=}, {@code api_key=}, {@code access_token=} and the like, any case, also with a
 *       percent-encoded {@code =} ({@code password%3Dsecret}); the value runs to the next {@code &},
 *       {@code ;}, whitespace, quote or percent-encoded {@code &}.
 * </ul>
 *
 * Public only for auditline's own modules (the client and DataStorage both depend on this one);
 * not an API.
 */
public final class Secrets {
    /** What a masked value becomes. */
    public static final String MASK = "***";

    // scheme://user:PASSWORD@ — greedy to the last '@' before the path, so "p@ss" is masked whole
    private static final Pattern USERINFO = Pattern.compile("(://[^/\\s:@?#]*:)[^\\s/?#]*@");
    private static final Pattern USERINFO_ENCODED =
            Pattern.compile("(?i)(%3A%2F%2F(?:(?!%3A|%40|%2F)[^\\s/?#&])*%3A)(?:(?!%2F)[^\\s/?#&])*%40");
    private static final String SECRET_NAME = "((?:ssl)?pass(?:word|wd)?|pwd"
            + "|(?:access[_-]?|refresh[_-]?|auth[_-]?|bearer[_-]?)?token|secret|client[_-]?secret|api[_-]?key)";
    // a name of its own: not the end of a longer word, unless a percent-escape ends right before it
    private static final String NAME_START = "(?:(?<![a-z0-9_])|(?<=%[0-9a-f]{2}))";
    // name=value: a percent-encoded '&' is part of the value
    private static final Pattern SECRET_PARAMETER =
            Pattern.compile("(?i)" + NAME_START + SECRET_NAME + "(=)[^&;\\s\"']*");
    // name%3Dvalue inside an encoded URL: the value ends at an encoded '&'
    private static final Pattern SECRET_PARAMETER_ENCODED =
            Pattern.compile("(?i)" + NAME_START + SECRET_NAME + "(%3D)(?:(?!%26)[^&;\\s\"'])*");

    private Secrets() {}

    /** {@code text} with every secret it holds masked; {@code null} stays {@code null}. */
    public static String mask(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String masked = USERINFO.matcher(text).replaceAll("$1" + MASK + "@");
        masked = USERINFO_ENCODED.matcher(masked).replaceAll("$1" + MASK + "%40");
        masked = SECRET_PARAMETER.matcher(masked).replaceAll("$1$2" + MASK);
        return SECRET_PARAMETER_ENCODED.matcher(masked).replaceAll("$1$2" + MASK);
    }

    /**
     * A copy of {@code failure} and its causes whose messages are masked, with the original classes
     * named and the original stack traces, for logging: a driver's exception may quote the URL.
     */
    public static Throwable mask(Throwable failure) {
        if (failure == null) {
            return null;
        }
        MaskedException copy = new MaskedException(failure, mask(failure.getCause()));
        for (Throwable suppressed : failure.getSuppressed()) {
            copy.addSuppressed(mask(suppressed));
        }
        return copy;
    }

    /**
     * Stands in for an exception whose message may hold a secret. Loggers print an exception's class
     * and message, so the original class name leads the message.
     */
    private static final class MaskedException extends RuntimeException {
        MaskedException(Throwable original, Throwable maskedCause) {
            super(
                    original.getClass().getName()
                            + (original.getMessage() == null ? "" : ": " + mask(original.getMessage())),
                    maskedCause,
                    true,
                    true);
            setStackTrace(original.getStackTrace());
        }
    }
}
