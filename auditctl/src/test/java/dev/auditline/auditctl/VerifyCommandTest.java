package dev.auditline.auditctl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VerifyCommandTest {
    @TempDir
    Path dir;

    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Auditctl.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void helpSaysHowTheKeyIsTrustedAndListsTheExitCodes() {
        Run r = run("verify", "--help");
        assertThat(r.code()).isZero();
        assertThat(r.out().replaceAll("\\s+", " "))
                .contains("--public-key", "--trusted-checkpoint", "--state")
                .contains("trusted on first use")
                .contains("0 intact")
                .contains("1 tampered, missing or inserted events")
                .contains("2 cannot verify");
    }

    @Test
    void anUnreadablePinnedKeyCannotVerify() throws Exception {
        Path key = Files.writeString(dir.resolve("bad.vkey"), "not a key\n");
        Run r = run(
                "--url",
                "http://127.0.0.1:9",
                "verify",
                "--public-key",
                key.toString(),
                "--state",
                dir.resolve("s.json").toString());
        assertThat(r.code()).isEqualTo(ExitCodes.CANNOT_VERIFY);
        assertThat(r.err()).contains("--public-key " + key + ": a verifier key is name+keyid+key (got 1 parts)");
    }

    @Test
    void anUnreachableServerIsTheServerErrorCode() {
        Run r = run(
                "--url",
                "http://127.0.0.1:9",
                "verify",
                "--state",
                dir.resolve("s.json").toString());
        assertThat(r.code()).isEqualTo(ExitCodes.SERVER_ERROR);
        assertThat(r.err()).contains("cannot reach DataStorage at http://127.0.0.1:9");
    }

    @Test
    void aBrokenStateFileCannotVerify() throws Exception {
        Path state = Files.writeString(dir.resolve("s.json"), "{not json");
        Run r = run("--url", "http://127.0.0.1:9", "verify", "--state", state.toString());
        assertThat(r.code()).isEqualTo(ExitCodes.CANNOT_VERIFY);
        assertThat(r.err()).contains("cannot read the state file " + state);
    }
}
