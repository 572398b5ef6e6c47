package dev.auditline.api.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.SQLException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SecretsTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '`',
            value = {
                "postgresql://app:s3cret@db:5432/audit | postgresql://app:***@db:5432/audit",
                "jdbc:postgresql://app:s3cret@db/audit | jdbc:postgresql://app:***@db/audit",
                "postgresql://app:p@ss:w0rd@db/audit | postgresql://app:***@db/audit",
                "postgresql://:s3cret@db/audit | postgresql://:***@db/audit",
                "jdbc:postgresql://db:5432/audit?user=app&password=s3cret | jdbc:postgresql://db:5432/audit?user=app&password=***",
                "jdbc:postgresql://db/audit?password=s3cret&ssl=true | jdbc:postgresql://db/audit?password=***&ssl=true",
                "jdbc:postgresql://db/audit?PASSWORD=s3cret | jdbc:postgresql://db/audit?PASSWORD=***",
                "jdbc:postgresql://db/audit?sslpassword=s3cret&sslmode=verify-full | jdbc:postgresql://db/audit?sslpassword=***&sslmode=verify-full",
                "jdbc:postgresql://db/audit?pass=s3cret | jdbc:postgresql://db/audit?pass=***",
                "jdbc:postgresql://db/audit?pwd=s3cret | jdbc:postgresql://db/audit?pwd=***",
                "https://h/x?token=s3cret&access_token=s3cret | https://h/x?token=***&access_token=***",
                "jdbc:sqlserver://db;user=app;password=s3cret;encrypt=true | jdbc:sqlserver://db;user=app;password=***;encrypt=true",
                "jdbc:postgresql://db/audit?password=s3cr%26t%40x | jdbc:postgresql://db/audit?password=***",
                "?url=jdbc%3Apostgresql%3A%2F%2Fapp%3As3cret%40db%2Faudit | ?url=jdbc%3Apostgresql%3A%2F%2Fapp%3A***%40db%2Faudit",
                "?next=%2Fx%3Fpassword%3Ds3cret%26a%3Db | ?next=%2Fx%3Fpassword%3D***%26a%3Db",
                "`failed for jdbcUrl=postgresql://app:s3cret@db/audit (got \"password=s3cret\")` | `failed for jdbcUrl=postgresql://app:***@db/audit (got \"password=***\")`",
                "sqlite:./data/audit.db | sqlite:./data/audit.db",
                "jdbc:postgresql://db:5432/audit?user=app | jdbc:postgresql://db:5432/audit?user=app",
                "http://user@host/path?passwordless=true | http://user@host/path?passwordless=true",
                "the tokens_file holds token_sha256 entries | the tokens_file holds token_sha256 entries",
            })
    void masksTheSecretInEveryFormAUrlCanHoldIt(String text, String masked) {
        assertThat(Secrets.mask(text)).isEqualTo(masked);
        assertThat(Secrets.mask(text)).doesNotContain("s3cret").doesNotContain("s3cr%26t");
    }

    @org.junit.jupiter.api.Test
    void aMaskedExceptionChainKeepsClassesAndStackTracesButNotTheSecret() {
        RuntimeException hikari = new RuntimeException(
                "Failed to get driver instance for jdbcUrl=postgresql://app:s3cret@db/audit",
                new SQLException("No suitable driver for postgresql://app:s3cret@db/audit?password=s3cret"));
        hikari.addSuppressed(new IllegalStateException("token=s3cret"));

        Throwable masked = Secrets.mask(hikari);

        StringWriter printed = new StringWriter();
        masked.printStackTrace(new PrintWriter(printed));
        assertThat(printed.toString())
                .doesNotContain("s3cret")
                .contains(
                        "java.lang.RuntimeException: Failed to get driver instance for jdbcUrl=postgresql://app:***@db")
                .contains("java.sql.SQLException: No suitable driver")
                .contains("java.lang.IllegalStateException: token=***")
                .contains("SecretsTest.aMaskedExceptionChainKeepsClassesAndStackTracesButNotTheSecret");
    }
}
