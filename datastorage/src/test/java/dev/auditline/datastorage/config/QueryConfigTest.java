package dev.auditline.datastorage.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class QueryConfigTest {

    private static List<String> problems(String yaml) {
        try {
            ConfigLoader.parse(yaml, "t.yaml", null);
        } catch (ConfigException e) {
            return e.problems();
        }
        throw new AssertionError("expected a ConfigException for:\n" + yaml);
    }

    @Test
    void pagesAreBoundedByFourMebibytesByDefault() {
        DataStorageConfig config = ConfigLoader.parse("", "t.yaml", null);

        assertThat(config.query().maxPageBytes()).isEqualTo(4L * 1024 * 1024);
        assertThat(config.describe()).contains("query.max_page_bytes: 4MiB");
    }

    @Test
    void readsTheBoundAsASize() {
        assertThat(ConfigLoader.parse("query: {max_page_bytes: 64KiB}\n", "t.yaml", null)
                        .query()
                        .maxPageBytes())
                .isEqualTo(65_536);
    }

    @Test
    void reportsABoundOutOfRangeNamingTheKeyAndTheRange() {
        assertThat(problems("query: {max_page_bytes: 512}\n"))
                .containsExactly("query.max_page_bytes: must be between 1KiB and 256MiB (got 512)");
        assertThat(problems("query: {max_page_bytes: 1GiB}\n"))
                .containsExactly("query.max_page_bytes: must be between 1KiB and 256MiB (got 1GiB)");
    }

    @Test
    void reportsAnUnknownKeyOfTheSection() {
        assertThat(problems("query: {max_page_size: 1MiB}\n"))
                .singleElement()
                .asString()
                .contains("query.max_page_size");
    }

    @Test
    void theRecordRefusesWhatTheLoaderWould() {
        assertThatThrownBy(() -> new QueryConfig(0))
                .hasMessageContaining("query.max_page_bytes must be between 1KiB and 256MiB");
    }
}
