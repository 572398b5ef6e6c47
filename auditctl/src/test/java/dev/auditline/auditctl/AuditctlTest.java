package dev.auditline.auditctl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class AuditctlTest {

    @Test
    void helpListsTheExitCodes() {
        StringWriter out = new StringWriter();
        int code = Auditctl.run(new String[] {"--help"}, new PrintWriter(out), new PrintWriter(new StringWriter()));

        assertThat(code).isZero();
        assertThat(out.toString()).contains("--url", "--token-file", "Exit codes:", "3    DataStorage unreachable");
    }

    @Test
    void unknownOptionExitsWithTheUsageCode() {
        StringWriter err = new StringWriter();
        int code = Auditctl.run(
                new String[] {"--no-such-option"}, new PrintWriter(new StringWriter()), new PrintWriter(err));

        assertThat(code).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("Unknown option: '--no-such-option'");
    }

    @Test
    void problemJsonBecomesOneLineWithTitleAndDetail() {
        byte[] body =
                "{\"type\":\"about:blank\",\"title\":\"Bad Request\",\"status\":400,\"detail\":\"limit must be between 1 and 1000 (got 0)\"}"
                        .getBytes(StandardCharsets.UTF_8);

        String line = ApiClient.describeError("GET", URI.create("http://h/api/v1/audit/events?limit=0"), 400, body);

        assertThat(line)
                .isEqualTo("GET /api/v1/audit/events: 400 Bad Request: limit must be between 1 and 1000 (got 0)");
    }

    @Test
    void nonJsonErrorBodyIsShortenedToOneLine() {
        byte[] body = "<html>\n  <body>bad gateway</body>\n</html>".getBytes(StandardCharsets.UTF_8);

        String line = ApiClient.describeError("GET", URI.create("http://h/x"), 502, body);

        assertThat(line).isEqualTo("GET /x: 502: <html> <body>bad gateway</body> </html>");
    }

    @Test
    void unreachableServerIsReportedWithExitCode3() {
        ApiClient api = new ApiClient(URI.create("http://127.0.0.1:1"), null);
        try {
            api.getJson(api.uri("/healthz", java.util.Map.of()), java.time.Duration.ofSeconds(5));
        } catch (CommandFailure e) {
            assertThat(e.exitCode()).isEqualTo(ExitCodes.SERVER_ERROR);
            assertThat(e.getMessage()).startsWith("cannot reach DataStorage at http://127.0.0.1:1");
            return;
        }
        throw new AssertionError("expected a CommandFailure");
    }
}
