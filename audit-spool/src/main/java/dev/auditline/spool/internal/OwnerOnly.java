package dev.auditline.spool.internal;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Files and directories only their owner can use: every file auditline creates is 0600 and every
 * directory 0700, set <em>at creation</em> (so there is no moment when another user could open it,
 * and the umask, which only removes bits, cannot widen it). Audit events, tokens and keys are what
 * these hold. On a file system without POSIX permissions (Windows) the platform's defaults apply.
 *
 * <p>Also the check that refuses a data or spool directory other users may write to: whoever can
 * write there can replace segments, the database or the key, so audit data must not live there.
 *
 * <p>Public only for auditline's own modules (DataStorage, the client); not an API.
 */
public final class OwnerOnly {
    private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");
    private static final FileAttribute<?>[] NONE = new FileAttribute<?>[0];

    private OwnerOnly() {}

    /** The attribute that creates a file 0600, none where the file system has no POSIX permissions. */
    public static FileAttribute<?>[] fileAttributes(Path file) {
        return posix(file) ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(FILE)} : NONE;
    }

    /** Creates {@code file} with mode 0600; fails if it exists, like {@link Files#createFile}. */
    public static Path createFile(Path file) throws IOException {
        return Files.createFile(file, fileAttributes(file));
    }

    /**
     * Creates {@code file} 0600 when it does not exist yet; an existing file is left as it is (an
     * operator may have chosen its mode).
     */
    public static Path createFileIfMissing(Path file) throws IOException {
        try {
            return createFile(file);
        } catch (FileAlreadyExistsException e) {
            return file;
        }
    }

    /**
     * Creates {@code dir} and any missing parents with mode 0700; directories that exist keep their
     * mode.
     */
    public static Path createDirectories(Path dir) throws IOException {
        Path absolute = dir.toAbsolutePath();
        if (Files.isDirectory(absolute)) {
            return dir;
        }
        Path parent = absolute.getParent();
        if (parent != null) {
            createDirectories(parent);
        }
        try {
            Files.createDirectory(absolute, posix(parent) ? directoryAttributes() : NONE);
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(absolute)) {
                throw e;
            }
        }
        return dir;
    }

    /**
     * Throws when {@code dir} may be written by its group or by others.
     *
     * @param what names the setting or role of the directory in the message, e.g. {@code spool.dir}
     * @throws InsecureDirectoryException naming the directory, its mode and the remedy
     */
    public static void checkNotWritableByOthers(Path dir, String what) throws IOException {
        PosixFileAttributeView view =
                Files.getFileAttributeView(dir, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        if (view == null) {
            return;
        }
        Set<PosixFilePermission> permissions = view.readAttributes().permissions();
        if (permissions.contains(PosixFilePermission.GROUP_WRITE)
                || permissions.contains(PosixFilePermission.OTHERS_WRITE)) {
            throw new InsecureDirectoryException(what + ": the directory " + dir.toAbsolutePath() + " has mode "
                    + octal(permissions) + " (" + PosixFilePermissions.toString(permissions)
                    + "): its group or other users may write to it, and so replace or remove audit data;"
                    + " chmod 700 it (or choose a directory only this user can write)");
        }
    }

    /** A mode as {@code 0755}. */
    public static String octal(Set<PosixFilePermission> permissions) {
        int mode = 0;
        for (PosixFilePermission p : permissions) {
            mode |= 1 << (8 - p.ordinal());
        }
        return String.format("0%03o", mode);
    }

    private static FileAttribute<?>[] directoryAttributes() {
        return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(DIRECTORY)};
    }

    private static boolean posix(Path path) {
        Path existing = path == null ? null : path.toAbsolutePath();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        try {
            return existing != null && Files.getFileStore(existing).supportsFileAttributeView("posix");
        } catch (IOException e) {
            return false;
        }
    }
}
