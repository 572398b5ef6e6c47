package dev.auditline.api.merkle;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Objects;

/**
 * An Ed25519 public key of the C2SP {@code signed-note} format: a name, a 4-byte key id (the first
 * bytes of {@code SHA-256(name || "\n" || 0x01 || key)}) and the 32-byte key. Its text form, the
 * "verifier key" {@code name+hexid+base64(0x01 || key)}, is what a verifier pins.
 */
public final class NoteKey {
    /** The signed-note signature type of Ed25519: {@value}. */
    static final byte ALG_ED25519 = 0x01;

    /** The DER prefix of an X.509 SubjectPublicKeyInfo holding a raw Ed25519 key. */
    private static final byte[] X509_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

    private final String name;
    private final byte[] raw;
    private final byte[] keyId;
    private final PublicKey publicKey;

    private NoteKey(String name, byte[] raw) {
        this.name = name;
        this.raw = raw.clone();
        this.keyId = keyId(name, raw);
        try {
            byte[] der = Arrays.copyOf(X509_PREFIX, X509_PREFIX.length + raw.length);
            System.arraycopy(raw, 0, der, X509_PREFIX.length, raw.length);
            this.publicKey = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not an Ed25519 public key: " + e.getMessage(), e);
        }
    }

    /** The key named {@code name} for a JDK Ed25519 public key. */
    public static NoteKey of(String name, PublicKey key) {
        checkName(name);
        byte[] der = key.getEncoded();
        if (!"Ed25519".equals(key.getAlgorithm()) && !"EdDSA".equals(key.getAlgorithm())
                || der.length != X509_PREFIX.length + 32
                || !Arrays.equals(Arrays.copyOf(der, X509_PREFIX.length), X509_PREFIX)) {
            throw new IllegalArgumentException("not an Ed25519 public key (algorithm " + key.getAlgorithm() + ")");
        }
        return new NoteKey(name, Arrays.copyOfRange(der, X509_PREFIX.length, der.length));
    }

    /**
     * Parses a verifier key {@code name+hexid+base64(0x01 || key)}.
     *
     * @throws IllegalArgumentException naming what is wrong, including a key id that does not match
     */
    public static NoteKey parse(String vkey) {
        String text = vkey.strip();
        String[] parts = text.split("\\+", 3);
        if (parts.length != 3) {
            throw new IllegalArgumentException("a verifier key is name+keyid+key (got " + parts.length + " parts)");
        }
        checkName(parts[0]);
        byte[] key;
        try {
            key = Base64.getDecoder().decode(parts[2]);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the verifier key's key part is not base64");
        }
        if (key.length != 33 || key[0] != ALG_ED25519) {
            throw new IllegalArgumentException("the verifier key is not an Ed25519 key (type 0x01, 32 bytes)");
        }
        NoteKey parsed = new NoteKey(parts[0], Arrays.copyOfRange(key, 1, key.length));
        if (!parsed.keyIdHex().equals(parts[1].toLowerCase(java.util.Locale.ROOT))) {
            throw new IllegalArgumentException("the verifier key's id " + parts[1]
                    + " does not match its name and key (" + parsed.keyIdHex() + ")");
        }
        return parsed;
    }

    static byte[] keyId(String name, byte[] raw) {
        MessageDigest sha = MerkleHash.sha256();
        sha.update(name.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) '\n');
        sha.update(ALG_ED25519);
        sha.update(raw);
        return Arrays.copyOf(sha.digest(), 4);
    }

    private static void checkName(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty() || name.contains("+") || name.chars().anyMatch(c -> c <= ' ')) {
            throw new IllegalArgumentException(
                    "a key name must be non-empty, without '+', spaces or control characters (got \"" + name + "\")");
        }
    }

    public String name() {
        return name;
    }

    public byte[] keyId() {
        return keyId.clone();
    }

    public String keyIdHex() {
        return HexFormat.of().formatHex(keyId);
    }

    public PublicKey publicKey() {
        return publicKey;
    }

    /** The verifier key text, {@code name+hexid+base64(0x01 || key)}. */
    public String vkey() {
        byte[] typed = new byte[33];
        typed[0] = ALG_ED25519;
        System.arraycopy(raw, 0, typed, 1, 32);
        return name + "+" + keyIdHex() + "+" + Base64.getEncoder().encodeToString(typed);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NoteKey k && k.name.equals(name) && Arrays.equals(k.raw, raw);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(raw);
    }

    @Override
    public String toString() {
        return vkey();
    }
}
