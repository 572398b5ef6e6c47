package dev.auditline.auditctl;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the spool's segment files are: a client spool directory keeps them in {@code segments/}
 * (beside {@code rejected/}); the segments directory itself is accepted too.
 */
final class SpoolDirectory {
    static final String SEGMENTS = "segments";

    private SpoolDirectory() {}

    static Path segments(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new CommandFailure(ExitCodes.USAGE, "spool directory " + dir + " does not exist");
        }
        Path nested = dir.resolve(SEGMENTS);
        return Files.isDirectory(nested) ? nested : dir;
    }
}
