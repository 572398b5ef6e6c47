package dev.auditline.api.merkle;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.Arrays;
import java.util.Base64;

/**
 * The C2SP {@code signed-note} format: a UTF-8 text body ending in a newline, a blank line, then
 * one or more signature lines {@code — <key name> base64(keyid(4) || signature)}. The Ed25519
 * signature covers the body's bytes exactly, so a checkpoint or retention record can be copied
 * anywhere as text and checked later with nothing but the verifier key.
 */
public final class SignedNote {
    private static final String DASH = "\u2014 ";

    private SignedNote() {}

    /** Signs {@code body} (which must end with a newline) with {@code key}, named by {@code signer}. */
    public static String sign(String body, NoteKey signer, PrivateKey key) {
        if (!body.endsWith("\n") || body.contains("\n\n")) {
            throw new IllegalArgumentException("a note body must end with a newline and hold no blank line");
        }
        byte[] sig;
        try {
            Signature ed = Signature.getInstance("Ed25519");
            ed.initSign(key);
            ed.update(body.getBytes(StandardCharsets.UTF_8));
            sig = ed.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 signing failed: " + e.getMessage(), e);
        }
        byte[] line = Arrays.copyOf(signer.keyId(), 4 + sig.length);
        System.arraycopy(sig, 0, line, 4, sig.length);
        return body + "\n" + DASH + signer.name() + " " + Base64.getEncoder().encodeToString(line) + "\n";
    }

    /**
     * The body of {@code note} when one of its signature lines is {@code key}'s and verifies.
     * Signatures by other keys are ignored, as the format says.
     *
     * @throws IllegalArgumentException saying why the note does not verify
     */
    public static String open(String note, NoteKey key) {
        int split = note.lastIndexOf("\n\n");
        if (split < 0 || !note.endsWith("\n")) {
            throw new IllegalArgumentException("not a signed note: no blank line before the signatures");
        }
        String body = note.substring(0, split + 1);
        String[] lines = note.substring(split + 2, note.length() - 1).split("\n", -1);
        boolean named = false;
        for (String line : lines) {
            if (!line.startsWith(DASH)) {
                throw new IllegalArgumentException("not a signed note: a signature line must start with '— '");
            }
            String[] parts = line.substring(DASH.length()).split(" ");
            if (parts.length != 2 || !parts[0].equals(key.name())) {
                continue;
            }
            byte[] blob;
            try {
                blob = Base64.getDecoder().decode(parts[1]);
            } catch (IllegalArgumentException e) {
                continue;
            }
            if (blob.length != 4 + 64 || !Arrays.equals(Arrays.copyOf(blob, 4), key.keyId())) {
                continue;
            }
            named = true;
            try {
                Signature ed = Signature.getInstance("Ed25519");
                ed.initVerify(key.publicKey());
                ed.update(body.getBytes(StandardCharsets.UTF_8));
                if (ed.verify(Arrays.copyOfRange(blob, 4, blob.length))) {
                    return body;
                }
            } catch (GeneralSecurityException e) {
                throw new IllegalArgumentException("cannot check the signature: " + e.getMessage(), e);
            }
        }
        throw new IllegalArgumentException(
                named
                        ? "the signature by key " + key.name() + " (" + key.keyIdHex() + ") does not verify: the note"
                                + " was altered or not signed by this key"
                        : "the note carries no signature by key " + key.name() + " (" + key.keyIdHex() + ")");
    }
}
