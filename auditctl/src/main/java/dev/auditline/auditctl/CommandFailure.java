package dev.auditline.auditctl;

/**
 * A failure a subcommand reports as one line on stderr with a chosen exit code; {@link Auditctl}
 * prints {@code auditctl: <message>} and exits with {@link #exitCode()}.
 */
public class CommandFailure extends RuntimeException {
    private final int exitCode;

    public CommandFailure(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public CommandFailure(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
