package dev.auditline.datastorage.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KubernetesConfigTest {
    /** kube-apiserver's defaults: --audit-webhook-batch-max-size 400, and a 10 MiB request cap. */
    private static final int WEBHOOK_BATCH_MAX_SIZE = 400;

    private static final long WEBHOOK_MAX_REQUEST_BYTES = 10L * 1024 * 1024;

    private static DataStorageConfig parse(String yaml) {
        return ConfigLoader.parse(yaml, "test.yaml", Path.of("/etc/auditline"));
    }

    private static List<String> problems(String yaml) {
        try {
            parse(yaml);
        } catch (ConfigException e) {
            return e.problems();
        }
        throw new AssertionError("expected a ConfigException for:\n" + yaml);
    }

    @Test
    void theDefaultsStoreResponseCompleteAndPanicAndQuarantineBesideTheDatabase() {
        KubernetesConfig k = DataStorageConfig.defaults().kubernetes();
        assertThat(k.storedStages()).containsExactlyInAnyOrder("ResponseComplete", "Panic");
        assertThat(k.quarantineFile()).isEqualTo(Path.of("./data/k8s-quarantine.jsonl"));
        assertThat(k.quarantineMaxBytes()).isEqualTo(64L * 1024 * 1024);
        assertThat(parse("").kubernetes()).isEqualTo(k);
    }

    @Test
    void theServerDefaultsTakeTheWebhooksLargestBatch() {
        ServerConfig s = DataStorageConfig.defaults().server();
        assertThat(s.maxBatchSize()).isGreaterThanOrEqualTo(WEBHOOK_BATCH_MAX_SIZE);
        assertThat(s.maxRequestBytes()).isGreaterThanOrEqualTo(WEBHOOK_MAX_REQUEST_BYTES);
    }

    @Test
    void readsEveryKey() {
        KubernetesConfig k = parse(
                        """
                kubernetes:
                  stored_stages: [RequestReceived, ResponseComplete]
                  quarantine:
                    file: k8s/bad.jsonl
                    max_bytes: 2MiB
                """)
                .kubernetes();
        assertThat(k.storedStages()).isEqualTo(Set.of("RequestReceived", "ResponseComplete"));
        assertThat(k.quarantineFile()).isEqualTo(Path.of("/etc/auditline/k8s/bad.jsonl"));
        assertThat(k.quarantineMaxBytes()).isEqualTo(2L * 1024 * 1024);
        assertThat(parse("kubernetes: {stored_stages: 'Panic, ResponseStarted'}")
                        .kubernetes()
                        .storedStages())
                .isEqualTo(Set.of("Panic", "ResponseStarted"));
    }

    @Test
    void reportsAnUnknownStageAnEmptyListAndAnUnknownKey() {
        assertThat(problems("kubernetes: {stored_stages: [ResponseComplete, Done]}"))
                .containsExactly("kubernetes.stored_stages: unknown stage \"Done\" (known: Panic, RequestReceived,"
                        + " ResponseComplete, ResponseStarted)");
        assertThat(problems("kubernetes: {stored_stages: []}"))
                .containsExactly("kubernetes.stored_stages: must name at least one stage (got an empty list)");
        assertThat(problems("kubernetes: {stages: [Panic]}"))
                .containsExactly("kubernetes.stages: unknown key (known here: quarantine, stored_stages)");
    }

    @Test
    void describesTheKubernetesKeys() {
        assertThat(DataStorageConfig.defaults().describe())
                .contains("kubernetes.stored_stages: Panic, ResponseComplete")
                .contains("kubernetes.quarantine.file: ./data/k8s-quarantine.jsonl")
                .contains("kubernetes.quarantine.max_bytes: 64MiB");
    }
}
