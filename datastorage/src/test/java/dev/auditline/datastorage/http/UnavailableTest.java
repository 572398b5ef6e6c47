package dev.auditline.datastorage.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.auditline.datastorage.store.StorageRejectedException;
import dev.auditline.datastorage.store.StorageUnavailableException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

class UnavailableTest {

    @Test
    void aBusyDatabaseIsA503ThatSaysBusyWithRetryAfter() {
        ApiProblem p = Unavailable.problem(new StorageUnavailableException("SQLite store x: locked", null, true));

        assertThat(p.problem().status()).isEqualTo(503);
        assertThat(p.problem().type()).isEqualTo(ApiProblem.TYPE_BASE + "storage-busy");
        assertThat(p.problem().detail()).contains("busy").doesNotContain("cannot be reached");
        assertThat(p.headers()).containsEntry("Retry-After", IngestRoutes.RETRY_AFTER_SECONDS);
    }

    @Test
    void anUnreachableDatabaseIsA503ThatSaysSo() {
        ApiProblem p = Unavailable.problem(new StorageUnavailableException("PostgreSQL store x: refused", null));

        assertThat(p.problem().status()).isEqualTo(503);
        assertThat(p.problem().type()).isEqualTo(ApiProblem.TYPE_BASE + "storage-unavailable");
        assertThat(p.problem().detail()).contains("cannot be reached");
        assertThat(p.headers()).containsKey("Retry-After");
    }

    @Test
    void aRefusedValueIsA400WithTheDatabasesReasonAndNoRetryAfter() {
        ApiProblem p = Unavailable.refused(new StorageRejectedException(
                "PostgreSQL store x: cannot query events: out of range",
                new SQLException("date/time field value out of range: \"9999999-01-01\"", "22008")));

        assertThat(p.problem().status()).isEqualTo(400);
        assertThat(p.problem().type()).isEqualTo(ApiProblem.TYPE_BASE + "value-refused");
        assertThat(p.problem().detail())
                .isEqualTo("the database refused a value of this request: date/time field value out of range: \"999…");
        assertThat(p.headers()).isEmpty();
    }
}
