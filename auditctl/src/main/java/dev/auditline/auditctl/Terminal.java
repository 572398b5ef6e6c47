package dev.auditline.auditctl;

/**
 * Whether stdout is a terminal, which decides default formats, colour and progress. {@code
 * System.console()} is non-null only when both stdin and stdout are terminals, close enough for a
 * tool that is either typed at or piped. {@code AUDITCTL_TERMINAL=0|1} overrides the guess (tests,
 * or a pager that understands ANSI colour).
 */
final class Terminal {
    private Terminal() {}

    static boolean isTerminal() {
        String forced = System.getenv("AUDITCTL_TERMINAL");
        if (forced != null && !forced.isBlank()) {
            return forced.strip().equals("1");
        }
        return System.console() != null;
    }
}
