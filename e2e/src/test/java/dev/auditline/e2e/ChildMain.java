package dev.auditline.e2e;

import java.io.IOException;
import java.io.InputStream;

/**
 * The entry point of the DataStorage child JVM: {@code dev.auditline.datastorage.Main}, plus a
 * watchdog that ends the process when the test JVM's pipe to it closes. Without it a child would
 * outlive a test JVM that was killed or timed out, holding its port and database connections.
 */
public final class ChildMain {
    private ChildMain() {}

    public static void main(String[] args) {
        Thread watchdog = new Thread(ChildMain::exitWhenParentGone, "e2e-parent-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        dev.auditline.datastorage.Main.main(args);
    }

    private static void exitWhenParentGone() {
        try (InputStream in = System.in) {
            while (in.read() >= 0) {
                // nothing is ever sent; only the end of the stream matters
            }
        } catch (IOException e) {
            // a broken pipe means the same as end of stream
        }
        System.exit(0); // runs DataStorage's shutdown hook: a graceful stop
    }
}
