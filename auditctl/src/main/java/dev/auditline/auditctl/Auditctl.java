package dev.auditline.auditctl;

import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The top-level command. It holds the options every subcommand shares ({@code --url}, {@code
 * --token-file}) and maps what a subcommand throws to one readable line on stderr and an exit code
 * from {@link ExitCodes}; subcommands never call {@code System.exit} themselves, so tests run them
 * in-process through {@link #run(String[], PrintWriter, PrintWriter)}.
 */
@Command(
        name = "auditctl",
        mixinStandardHelpOptions = true,
        versionProvider = Auditctl.Version.class,
        description = "Reads and verifies an auditline audit trail served by DataStorage.",
        subcommands = {
            QueryCommand.class,
            GetCommand.class,
            TrailCommand.class,
            TailCommand.class,
            ExportCommand.class,
            VerifyCommand.class,
            SpoolCommand.class
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the command did what was asked",
            "1:verify: tampered or missing events; get, trail: no such event",
            "2:verify: cannot verify",
            "3:DataStorage unreachable or answered with an error",
            "64:wrong command line"
        })
public final class Auditctl {

    @Option(
            names = "--url",
            scope = ScopeType.INHERIT,
            defaultValue = "${env:AUDITCTL_URL:-http://127.0.0.1:8080}",
            description = "DataStorage base URL (env AUDITCTL_URL; default ${DEFAULT-VALUE}).")
    URI url;

    @Option(
            names = "--token-file",
            scope = ScopeType.INHERIT,
            defaultValue = "${env:AUDITCTL_TOKEN_FILE}",
            description = "File holding the bearer token (env AUDITCTL_TOKEN_FILE).")
    Path tokenFile;

    /** Runs one command line against the process's stdout and stderr. */
    public static int run(String... args) {
        return run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
    }

    /** Runs one command line, writing to the given streams; returns the exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = commandLine(out, err);
        try {
            return cli.execute(args);
        } finally {
            out.flush();
            err.flush();
        }
    }

    static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new Auditctl());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExitCodeExceptionMapper(Auditctl::exitCodeOf);
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            commandLine.getErr().println("auditctl: " + messageOf(ex));
            commandLine.getErr().flush();
            return exitCodeOf(ex);
        });
        cli.getCommandSpec().exitCodeOnInvalidInput(ExitCodes.USAGE);
        cli.getCommandSpec().exitCodeOnExecutionException(ExitCodes.SERVER_ERROR);
        return cli;
    }

    /** The client every subcommand talks to DataStorage through. */
    public ApiClient api() {
        return new ApiClient(url, tokenFile);
    }

    private static int exitCodeOf(Throwable ex) {
        if (ex instanceof CommandFailure failure) {
            return failure.exitCode();
        }
        if (ex instanceof CommandLine.ParameterException) {
            return ExitCodes.USAGE;
        }
        return ExitCodes.SERVER_ERROR;
    }

    private static String messageOf(Throwable ex) {
        String message = ex.getMessage();
        return message == null || message.isBlank() ? ex.getClass().getSimpleName() : message;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Auditctl.class.getPackage().getImplementationVersion();
            return new String[] {"auditctl " + (version == null ? "(development build)" : version)};
        }
    }
}
