package dev.auditline.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.auditline.client.AuditClientConfig;
import dev.auditline.client.AuditClientMetrics;
import dev.auditline.client.BufferedAuditStore;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/: the alert rules pass {@code promtool check rules} and their unit tests {@code promtool
 * test rules}, and every metric the rules and the Grafana dashboard read is one the client and
 * DataStorage actually export. Needs promtool (Debian's {@code prometheus} package; {@code .ci/run}
 * installs it) and fails without it.
 */
@Timeout(120)
class DeployRulesIT {
    private static final Path DEPLOY = Path.of("..", "deploy").toAbsolutePath().normalize();
    private static final Path RULES = DEPLOY.resolve("prometheus/auditline-alerts.yml");
    private static final Path RULE_TESTS = DEPLOY.resolve("prometheus/auditline-alerts-test.yml");
    private static final Path DASHBOARD = DEPLOY.resolve("grafana/auditline-dashboard.json");
    private static final Pattern METRIC = Pattern.compile("\\baudit_[a-z_]*[a-z]");

    @TempDir
    Path dir;

    @Test
    void promtoolChecksTheRulesAndTheirUnitTestsPass() throws Exception {
        assertThat(promtool("check", "rules", RULES.toString())).contains("SUCCESS: 7 rules found");
        assertThat(promtool("test", "rules", RULE_TESTS.toString())).contains("SUCCESS");
    }

    @Test
    void everyMetricTheRulesAndTheDashboardReadIsExported() throws Exception {
        Set<String> exported = new TreeSet<>();
        try (LoopbackDataStorage dataStorage = new LoopbackDataStorage(dir, true)) {
            // one event sent and stored, so the meters registered on first use exist
            BufferedAuditStore store = BufferedAuditStore.create(AuditClientConfig.builder()
                    .datastorageUrl(dataStorage.url())
                    .serviceName("billing")
                    .build());
            try {
                PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
                new AuditClientMetrics(store).bindTo(registry);
                store.store(StarterDataStorageIT.event("corr-metrics", "billing.invoice.created"));
                assertThat(store.flush(Duration.ofSeconds(10)).acked()).isEqualTo(1);
                exported.addAll(seriesNames(registry.scrape()));
            } finally {
                store.close(Duration.ofSeconds(5));
            }
            HttpClient http = HttpClient.newHttpClient();
            String metrics = http.send(
                            HttpRequest.newBuilder(URI.create(dataStorage.url() + "/metrics"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            exported.addAll(seriesNames(metrics));
        }
        assertThat(exported).contains("audit_client_events_total", "audit_ingest_lag_seconds_bucket");

        Set<String> read = new TreeSet<>();
        read.addAll(metricsIn(Files.readString(RULES)));
        read.addAll(metricsIn(Files.readString(RULE_TESTS)));
        read.addAll(metricsIn(Files.readString(DASHBOARD)));
        assertThat(read).hasSizeGreaterThan(15);
        assertThat(exported).containsAll(read);
    }

    private static Set<String> seriesNames(String exposition) {
        Set<String> names = new TreeSet<>();
        for (String line : exposition.split("\n")) {
            if (!line.startsWith("#") && line.startsWith("audit_")) {
                names.add(line.split("[{ ]", 2)[0]);
            }
        }
        return names;
    }

    private static Set<String> metricsIn(String text) {
        Set<String> names = new TreeSet<>();
        Matcher m = METRIC.matcher(text);
        while (m.find()) {
            names.add(m.group());
        }
        return names;
    }

    private static String promtool(String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("promtool"));
        command.addAll(List.of(args));
        Process process;
        try {
            process = new ProcessBuilder(command)
                    .directory(RULES.getParent().toFile())
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            return fail("promtool is not installed: install Debian's prometheus package"
                    + " (apt-get install -y prometheus; .ci/run does): " + e.getMessage());
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("promtool %s:%n%s", command, output).isZero();
        return output;
    }
}
