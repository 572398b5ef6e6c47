package dev.auditline.datastorage.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads DataStorage's YAML file into a {@link DataStorageConfig}. Every problem is collected with
 * its path ({@code server.max_batch_size: must be ≥ 1 (got 0)}) and reported at once in one
 * {@link ConfigException}; unknown keys are errors, because a misspelt key silently falling back
 * to its default is how a production server ends up open or unbounded. Each section has its
 * reader ({@code ServerConfigReader}, {@code StorageSettingsReader}, …); they run in one fixed
 * order and share the list of problems, so the messages come out in the same order every time.
 */
public final class ConfigLoader {
    private ConfigLoader() {}

    /**
     * @throws ConfigException listing every problem, or naming the file when it cannot be read
     */
    public static DataStorageConfig load(Path file) {
        return load(file, ConfigOverrides.none());
    }

    /** As {@link #load(Path)}, with environment and command line values replacing the file's. */
    public static DataStorageConfig load(Path file, ConfigOverrides overrides) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException(file.toString(), List.of("cannot read the file: " + e));
        }
        return parse(text, file.toString(), file.toAbsolutePath().getParent(), overrides);
    }

    /**
     * Parses YAML text; relative file paths in it resolve against {@code baseDir} (the config
     * file's directory), so a config works the same from any working directory.
     */
    public static DataStorageConfig parse(String yaml, String source, Path baseDir) {
        return parse(yaml, source, baseDir, ConfigOverrides.none());
    }

    /**
     * As {@link #parse(String, String, Path)}, with {@code overrides} replacing the file's values; a
     * relative path given there resolves against the working directory.
     */
    public static DataStorageConfig parse(String yaml, String source, Path baseDir, ConfigOverrides overrides) {
        JsonNode root;
        try {
            root = ConfigSection.YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            throw new ConfigException(source, List.of("not valid YAML: " + e.getOriginalMessage()));
        }
        List<String> problems = new ArrayList<>();
        ConfigSection top =
                new ConfigSection("", root == null || root.isMissingNode() ? null : root, problems, overrides);
        DataStorageConfig config = read(top, baseDir, problems);
        top.rejectUnknown();
        problems.addAll(overrides.unknownVariables());
        if (!problems.isEmpty()) {
            throw new ConfigException(source, problems);
        }
        return config;
    }

    private static DataStorageConfig read(ConfigSection top, Path baseDir, List<String> problems) {
        // each section is opened just before it is read: opening one can itself be a problem (a
        // scalar where a mapping belongs), which then stays in place among its neighbours' problems
        ServerConfig server = ServerConfigReader.read(top.section("server"), baseDir, problems);
        StorageSettings storage =
                StorageSettingsReader.read(top.section("storage"), baseDir, server.maxRequestBytes(), problems);
        ValidationConfig validation =
                ValidationConfigReader.read(top.section("validation"), server.maxRequestBytes(), problems);
        RetentionConfig retention = RetentionConfigReader.read(top.section("retention"));
        LogConfig log = LogConfigReader.read(top.section("log"), baseDir, problems);
        KubernetesConfig kubernetes = KubernetesConfigReader.read(top.section("kubernetes"), baseDir, problems);
        QueryConfig query = QueryConfigReader.read(top.section("query"));
        return new DataStorageConfig(server, storage, validation, retention, log, kubernetes, query);
    }
}
