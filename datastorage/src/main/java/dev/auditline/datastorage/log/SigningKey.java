package dev.auditline.datastorage.log;

import dev.auditline.api.merkle.NoteKey;
import dev.auditline.api.merkle.SignedNote;
import dev.auditline.spool.internal.OwnerOnly;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Ed25519 key DataStorage signs checkpoints and retention records with. It lives in a file
 * ({@code log.signing_key_file}) that the database cannot read or write: whoever controls the
 * database can rewrite rows, but cannot sign a rewritten tree.
 *
 * <p>The file holds two PEM blocks, {@code PRIVATE KEY} (PKCS#8) and {@code PUBLIC KEY} (X.509),
 * readable by {@code openssl pkey}; the JDK cannot derive an Ed25519 public key from the private
 * one, hence both. A missing file is created with mode 0600 (the embedded default's first start).
 */
public final class SigningKey {
    private static final Logger LOG = LoggerFactory.getLogger(SigningKey.class);
    private static final Pattern PEM =
            Pattern.compile("-----BEGIN ([A-Z ]+)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");

    private final PrivateKey privateKey;
    private final PublicKey publicKey;

    private SigningKey(PrivateKey privateKey, PublicKey publicKey) {
        this.privateKey = privateKey;
        this.publicKey = publicKey;
    }

    /**
     * Reads the key from {@code file}, creating the file (and its directory) with a new key when
     * it does not exist.
     *
     * @throws IllegalArgumentException when the file exists but holds no Ed25519 key pair, naming the file
     */
    public static SigningKey loadOrCreate(Path file) {
        if (!Files.exists(file)) {
            try {
                return create(file);
            } catch (FileAlreadyExistsException raced) {
                // another process created it first: read theirs
            } catch (IOException e) {
                throw new UncheckedIOException(
                        "log.signing_key_file: cannot create " + file + ": " + e.getMessage(), e);
            }
        }
        return load(file);
    }

    static SigningKey load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("log.signing_key_file: cannot read " + file + ": " + e.getMessage(), e);
        }
        byte[] pkcs8 = null;
        byte[] x509 = null;
        Matcher m = PEM.matcher(text);
        while (m.find()) {
            byte[] der = Base64.getMimeDecoder().decode(m.group(2));
            if (m.group(1).equals("PRIVATE KEY")) {
                pkcs8 = der;
            } else if (m.group(1).equals("PUBLIC KEY")) {
                x509 = der;
            }
        }
        if (pkcs8 == null || x509 == null) {
            throw new IllegalArgumentException("log.signing_key_file: " + file
                    + " must hold a PEM PRIVATE KEY and a PEM PUBLIC KEY block (Ed25519)");
        }
        try {
            KeyFactory factory = KeyFactory.getInstance("Ed25519");
            SigningKey key = new SigningKey(
                    factory.generatePrivate(new PKCS8EncodedKeySpec(pkcs8)),
                    factory.generatePublic(new X509EncodedKeySpec(x509)));
            key.checkPair(file);
            return key;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(
                    "log.signing_key_file: " + file + " does not hold an Ed25519 key pair: " + e.getMessage(), e);
        }
    }

    private static SigningKey create(Path file) throws IOException {
        KeyPair pair;
        try {
            pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no Ed25519 (JDK 15+ does)", e);
        }
        String pem = pem("PRIVATE KEY", pair.getPrivate().getEncoded())
                + pem("PUBLIC KEY", pair.getPublic().getEncoded());
        Path parent = file.toAbsolutePath().getParent();
        OwnerOnly.createDirectories(parent);
        // whoever may write to the directory may swap the key for their own
        OwnerOnly.checkNotWritableByOthers(parent, "log.signing_key_file (its directory)");
        // created 0600 from the start: never a moment where another user could read it
        OwnerOnly.createFile(file);
        Files.writeString(file, pem, StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
        SigningKey key = new SigningKey(pair.getPrivate(), pair.getPublic());
        LOG.warn(
                "Created a new log signing key in {} (mode 0600). Keep it out of the database's reach and back it up;"
                        + " verifiers pin its public key",
                file);
        return key;
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private void checkPair(Path file) {
        NoteKey probe = NoteKey.of("probe", publicKey);
        String body = "probe\n";
        try {
            SignedNote.open(SignedNote.sign(body, probe, privateKey), probe);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "log.signing_key_file: " + file + ": the PUBLIC KEY does not belong to the PRIVATE KEY");
        }
    }

    /**
     * The origin used when {@code log.origin} is not set: {@code auditline/} and the first 8 bytes
     * of the public key's SHA-256, so two DataStorages with different keys never share an origin.
     */
    public String defaultOrigin() {
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(publicKey.getEncoded());
            return "auditline/" + HexFormat.of().formatHex(digest, 0, 8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The public half, named for signed notes. */
    public NoteKey noteKey(String name) {
        return NoteKey.of(name, publicKey);
    }

    /** Signs a note body as {@code signer} (this key's public half under a name). */
    String sign(String body, NoteKey signer) {
        return SignedNote.sign(body, signer, privateKey);
    }
}
