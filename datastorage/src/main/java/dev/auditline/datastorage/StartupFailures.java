package dev.auditline.datastorage;

import dev.auditline.api.internal.Secrets;
import dev.auditline.spool.internal.InsecureDirectoryException;
import java.net.ConnectException;
import java.sql.SQLException;

/**
 * Start-up failures whose cause and remedy are known, said in one line. Flyway and the JDBC driver
 * report these as pages of stack trace and advice to rerun with {@code -X}; an operator needs the
 * one sentence that says what to change.
 */
final class StartupFailures {
    static final String ROLES_DOC = "docs/datastorage.md, \"PostgreSQL roles\"";

    private StartupFailures() {}

    /**
     * One line saying what went wrong and what to do, or {@code null} when the cause is not a known
     * one; secrets in the quoted messages are masked.
     */
    static String advice(Throwable failure) {
        return Secrets.mask(knownCause(failure));
    }

    private static String knownCause(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof InsecureDirectoryException insecure) {
                // the outermost message names the setting when a caller added it
                String outer = failure.getMessage();
                return outer != null && outer.contains(insecure.getMessage()) ? outer : insecure.getMessage();
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                String what = firstLine(sql.getMessage());
                switch (sql.getSQLState()) {
                    case "42501" -> {
                        return "the database role may not create DataStorage's tables (" + what + "). PostgreSQL 15"
                                + " and later no longer let every role CREATE in schema public: run DataStorage (or"
                                + " its migrations) as the schema's owner role, or GRANT CREATE ON SCHEMA public to"
                                + " that role; see " + ROLES_DOC + ".";
                    }
                    case "28P01", "28000" -> {
                        return "PostgreSQL refused the login (" + what + "): check the user and password in"
                                + " storage.credentials_file (or the user in storage.url).";
                    }
                    case "3D000" -> {
                        return "the database named in storage.url does not exist (" + what + "): create it"
                                + " (CREATE DATABASE … OWNER the owner role) or correct storage.url; see " + ROLES_DOC
                                + ".";
                    }
                    default -> {
                        // not one we know how to explain; the full report follows
                    }
                }
            }
            if (t instanceof ConnectException) {
                return "cannot connect to the database (" + firstLine(t.getMessage()) + "): check that PostgreSQL"
                        + " runs and that storage.url names its host and port.";
            }
        }
        return null;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "no message";
        }
        int newline = message.indexOf('\n');
        return (newline < 0 ? message : message.substring(0, newline)).trim();
    }
}
