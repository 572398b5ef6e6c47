package dev.auditline.datastorage;

import dev.auditline.datastorage.config.ConfigException;
import dev.auditline.datastorage.config.ConfigLoader;
import dev.auditline.datastorage.config.DataStorageConfig;
import java.nio.file.Path;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar datastorage-all.jar [--config datastorage.yaml]}. Without a config it serves
 * 127.0.0.1:8080 with SQLite in {@code ./data/audit.db}.
 */
public final class Main {
    private static final Logger LOG = LoggerFactory.getLogger(Main.class);
    static final String USAGE = "usage: datastorage [--config FILE.yaml]";

    private Main() {}

    public static void main(String[] args) {
        if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
            System.out.println(USAGE);
            System.out.println("Without --config: 127.0.0.1:8080, SQLite in ./data/audit.db, no auth.");
            return;
        }
        DataStorageConfig config;
        try {
            config = configFrom(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        DataStorage server;
        try {
            server = DataStorage.start(config, Clock.systemUTC());
        } catch (RuntimeException e) {
            LOG.error("DataStorage failed to start: {}", e.getMessage(), e);
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "datastorage-shutdown"));
    }

    /**
     * @throws IllegalArgumentException for bad arguments
     * @throws ConfigException for a bad configuration file
     */
    static DataStorageConfig configFrom(String[] args) {
        Path file = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--config") && i + 1 < args.length && file == null) {
                file = Path.of(args[++i]);
            } else if (a.equals("--config") && i + 1 == args.length) {
                throw new IllegalArgumentException("--config needs a file name");
            } else if (a.startsWith("--config=") && file == null) {
                file = Path.of(a.substring("--config=".length()));
            } else {
                throw new IllegalArgumentException("unexpected argument \"" + a + "\"");
            }
        }
        return file == null ? DataStorageConfig.defaults() : ConfigLoader.load(file);
    }
}
