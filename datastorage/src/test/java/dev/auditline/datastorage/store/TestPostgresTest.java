package dev.auditline.datastorage.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TestPostgresTest {

    @Test
    void pointsAnExternalUrlAtTheTestDatabaseKeepingItsParameters() {
        assertThat(TestPostgres.withDatabase("jdbc:postgresql://db:5432/postgres?user=a&password=b", "t1"))
                .isEqualTo("jdbc:postgresql://db:5432/t1?user=a&password=b");
        assertThat(TestPostgres.withDatabase("jdbc:postgresql://db:5432", "t1"))
                .isEqualTo("jdbc:postgresql://db:5432/t1");
        assertThat(TestPostgres.withDatabase("jdbc:postgresql://db/", "t1")).isEqualTo("jdbc:postgresql://db/t1");
    }

    @Test
    void rejectsAnExternalUrlWithoutHost() {
        assertThatThrownBy(() -> TestPostgres.withDatabase("jdbc:postgresql:audit?password=x", "t1"))
                .hasMessage("AUDIT_TEST_PG_URL must look like jdbc:postgresql://host:port/db (got"
                        + " jdbc:postgresql:audit?password=***)");
    }
}
