package dev.auditline.datastorage;

import dev.auditline.api.internal.Secrets;
import dev.auditline.datastorage.config.ConfigException;
import dev.auditline.datastorage.config.ConfigLoader;
import dev.auditline.datastorage.config.ConfigOverrides;
import dev.auditline.datastorage.config.DataStorageConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar datastorage.jar [--config datastorage.yaml] [--listen HOST:PORT]}. Without a
 * config it serves 127.0.0.1:8080 with SQLite in {@code ./data/audit.db}. {@code DATASTORAGE_*}
 * environment variables override the file's keys ({@link ConfigOverrides}); {@code --listen}
 * overrides both.
 */
public final class Main {
    private static final Logger LOG = LoggerFactory.getLogger(Main.class);
    static final String USAGE = "usage: datastorage [--config FILE.yaml] [--listen HOST:PORT]";

    private Main() {}

    public static void main(String[] args) {
        if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
            System.out.println(USAGE);
            System.out.println("Without --config: 127.0.0.1:8080, SQLite in ./data/audit.db, no auth.");
            System.out.println("DATASTORAGE_<KEY> environment variables override the file's keys"
                    + " (server.listen -> DATASTORAGE_SERVER_LISTEN); --listen overrides server.listen.");
            return;
        }
        DataStorageConfig config;
        try {
            config = configFrom(args, System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println(Secrets.mask(e.getMessage()));
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
            reportStartFailure(e);
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "datastorage-shutdown"));
    }

    /**
     * Logs why the start failed: a known cause as one line (the stack trace only at DEBUG), anything
     * else with its stack trace. Every message is masked: a driver's message may quote the URL.
     */
    static void reportStartFailure(RuntimeException e) {
        String advice = StartupFailures.advice(e);
        if (advice != null) {
            LOG.error("DataStorage failed to start: {}", advice);
            LOG.debug("DataStorage start failure in full", Secrets.mask(e));
        } else {
            LOG.error("DataStorage failed to start: {}", Secrets.mask(e.getMessage()), Secrets.mask(e));
        }
    }

    /**
     * @throws IllegalArgumentException for bad arguments
     * @throws ConfigException for a bad configuration file
     */
    static DataStorageConfig configFrom(String[] args) {
        return configFrom(args, Map.of());
    }

    /** As {@link #configFrom(String[])}, with {@code env} overriding the file (or the defaults). */
    static DataStorageConfig configFrom(String[] args, Map<String, String> env) {
        Path file = null;
        String listen = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--listen") && i + 1 < args.length && listen == null) {
                listen = args[++i];
            } else if (a.equals("--listen") && i + 1 == args.length) {
                throw new IllegalArgumentException("--listen needs HOST:PORT, like 127.0.0.1:8080 or 0.0.0.0:8080");
            } else if (a.startsWith("--listen=") && listen == null) {
                listen = a.substring("--listen=".length());
            } else if (a.equals("--config") && i + 1 < args.length && file == null) {
                file = Path.of(args[++i]);
            } else if (a.equals("--config") && i + 1 == args.length) {
                throw new IllegalArgumentException("--config needs a file name");
            } else if (a.startsWith("--config=") && file == null) {
                file = Path.of(a.substring("--config=".length()));
            } else {
                throw new IllegalArgumentException("unexpected argument \"" + a + "\"");
            }
        }
        ConfigOverrides overrides = ConfigOverrides.fromEnvironment(env);
        if (listen != null) {
            overrides = overrides.withCommandLine("server.listen", listen, "--listen");
        }
        return file == null
                ? ConfigLoader.parse("", "from the environment (no --config file)", null, overrides)
                : ConfigLoader.load(file, overrides);
    }
}
