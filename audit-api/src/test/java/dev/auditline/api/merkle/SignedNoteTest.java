package dev.auditline.api.merkle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import org.junit.jupiter.api.Test;

class SignedNoteTest {
    private static KeyPair ed25519() throws Exception {
        return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    }

    @Test
    void aSignedCheckpointOpensWithItsKeyAndParsesBack() throws Exception {
        KeyPair pair = ed25519();
        NoteKey key = NoteKey.of("auditline.example/log", pair.getPublic());
        Checkpoint checkpoint = new Checkpoint("auditline.example/log", 12345, MerkleHash.leaf(new byte[] {1}));
        String note = SignedNote.sign(checkpoint.body(), key, pair.getPrivate());

        assertThat(note).startsWith("auditline.example/log\n12345\n").contains("\n\n\u2014 auditline.example/log ");
        assertThat(Checkpoint.parse(SignedNote.open(note, key))).isEqualTo(checkpoint);
    }

    @Test
    void anEditedBodyOrAnotherKeyIsRefused() throws Exception {
        KeyPair pair = ed25519();
        NoteKey key = NoteKey.of("log", pair.getPublic());
        String note = SignedNote.sign(new Checkpoint("log", 7, new byte[32]).body(), key, pair.getPrivate());

        assertThatThrownBy(() -> SignedNote.open(note.replace("\n7\n", "\n8\n"), key))
                .hasMessageContaining("does not verify");
        NoteKey other = NoteKey.of("log", ed25519().getPublic());
        assertThatThrownBy(() -> SignedNote.open(note, other)).hasMessageContaining("carries no signature by key log");
        assertThatThrownBy(() -> SignedNote.open("log\n7\n", key)).hasMessageContaining("no blank line");
    }

    @Test
    void theVerifierKeyTextRoundTripsAndItsIdIsChecked() throws Exception {
        NoteKey key = NoteKey.of("log", ed25519().getPublic());
        String vkey = key.vkey();
        assertThat(vkey).matches("log\\+[0-9a-f]{8}\\+[A-Za-z0-9+/=]{44}");
        assertThat(NoteKey.parse(vkey)).isEqualTo(key);
        String wrongId = vkey.replaceFirst("\\+[0-9a-f]{8}\\+", "+00000000+");
        assertThatThrownBy(() -> NoteKey.parse(wrongId)).hasMessageContaining("does not match its name and key");
    }

    @Test
    void theKeyIdFollowsTheSignedNoteDefinition() throws Exception {
        // SHA-256("log" || "\n" || 0x01 || key)[0:4], computed here by hand over the raw key
        NoteKey key = NoteKey.of("log", ed25519().getPublic());
        byte[] typed = java.util.Base64.getDecoder().decode(key.vkey().split("\\+", 3)[2]);
        java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
        sha.update("log\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        sha.update(typed);
        assertThat(key.keyId()).isEqualTo(java.util.Arrays.copyOf(sha.digest(), 4));
    }

    @Test
    void checkpointParsingNamesWhatIsWrong() {
        assertThatThrownBy(() -> Checkpoint.parse("log\nx\nAAAA\n")).hasMessageContaining("tree size is not a decimal");
        assertThatThrownBy(() -> Checkpoint.parse("log\n1\n")).hasMessageContaining("needs origin, tree size and root");
        assertThatThrownBy(() -> Checkpoint.parse("log\n1\nAAAA\n")).hasMessageContaining("root hash must be 32 bytes");
    }

    @Test
    void aVerifierKeyWhoseBase64HoldsAPlusParses() throws Exception {
        for (int i = 0; i < 200; i++) {
            NoteKey key = NoteKey.of("log", ed25519().getPublic());
            assertThat(NoteKey.parse(key.vkey())).isEqualTo(key);
        }
    }
}
