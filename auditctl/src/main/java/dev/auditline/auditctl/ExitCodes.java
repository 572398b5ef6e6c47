package dev.auditline.auditctl;

/**
 * The exit codes of every subcommand, documented in {@code --help} and docs/auditctl.md. {@code
 * verify} gives 1 its own meaning (the trail is tampered with or incomplete) and 2 "cannot verify",
 * which is why a server or network failure is 3 and not 1.
 */
public final class ExitCodes {
    /** The command did what was asked. */
    public static final int OK = 0;
    /** {@code verify}: the trail is tampered with or incomplete. Other commands: not found. */
    public static final int FINDING = 1;
    /** {@code verify}: the trail cannot be verified (no checkpoint, bad signature key, ...). */
    public static final int CANNOT_VERIFY = 2;
    /** DataStorage could not be reached, or answered with an error (the problem is printed). */
    public static final int SERVER_ERROR = 3;
    /** The command line itself is wrong (unknown option, bad value); picocli's usage code. */
    public static final int USAGE = 64;

    private ExitCodes() {}
}
