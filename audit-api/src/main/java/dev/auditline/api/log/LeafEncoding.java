package dev.auditline.api.log;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.json.AuditJson;
import java.nio.charset.StandardCharsets;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/**
 * The canonical, versioned encoding of a stored event as a leaf of the verifiable log.
 *
 * <p>Every version starts from one SHA-256 <em>field digest</em> per field, in the fixed order of
 * {@link #FIELDS}: the 24 fields a client sends, then {@code ingested_at}, {@code ingest_seq} and
 * {@code ingested_by}, the values DataStorage adds. Each field digest is {@code SHA-256(0x00)} when
 * the field is absent and {@code SHA-256(0x01 || value)} when present, so an absent field never
 * equals an empty one. The value bytes are the field exactly as the API serves it: strings as their
 * exact UTF-8 (no Unicode normalisation), UUIDs in lowercase canonical form, timestamps as RFC 3339
 * UTC with six fractional digits, integers in decimal, {@code event_outcome} by its wire name, and
 * {@code event_data} in the {@link CanonicalJson} form, which a JSONB round trip, key order,
 * whitespace or number formatting cannot change.
 *
 * <ul>
 *   <li><b>Version 2</b> ({@link #encode(AuditEvent)} writes it; {@value #LEAF_BYTES} bytes): the
 *       version byte; the first {@value #FINGERPRINT_BYTES} bytes of each field digest (its
 *       <em>fingerprint</em>); the <em>client hash</em>, {@code SHA-256} of the 24 client field
 *       digests concatenated; the <em>ingestion hash</em>, {@code SHA-256} of the last three. The
 *       two full hashes bind every field with SHA-256's full strength; the fingerprints name the
 *       field that differs, with 64-bit strength (see {@link #differingFields}).
 *   <li><b>Version 1</b> ({@value #V1_LEAF_BYTES} bytes): the version byte and the 27 field digests
 *       whole. Leaves already in a log keep it and stay verifiable. Stores write version 2, whose
 *       leaves are a third of the size: every stored event writes its leaf as a second row, and its
 *       bytes were most of what the log cost ingest.
 * </ul>
 *
 * <p>Because each field has its own fingerprint, a verifier that holds a leaf and an event can name
 * the field that differs ({@link #differingFields}), across versions, instead of only saying "the
 * hash does not match". The leaf hash is RFC 6962's: {@code SHA-256(0x00 || leaf)}. A later
 * encoding gets a new version byte; leaves already in the log keep theirs.
 */
public final class LeafEncoding {
    /** Encoding version 1: the 27 field digests whole. */
    public static final int V1 = 1;

    /** Encoding version 2: fingerprints, the client hash and the ingestion hash. */
    public static final int V2 = 2;

    /** The encoding version {@link #encode(AuditEvent)} writes, the first byte of its leaves. */
    public static final int VERSION = V2;

    /** Every version this class reads and writes, the current one first. */
    public static final List<Integer> KNOWN_VERSIONS = List.of(V2, V1);

    /** Bytes of one field digest (SHA-256). */
    public static final int DIGEST_BYTES = 32;

    /** Bytes of a field's fingerprint in a version-2 leaf: the start of its field digest. */
    public static final int FINGERPRINT_BYTES = 8;

    /** The fields of a leaf, in leaf order, by their wire (snake_case) names. */
    public static final List<String> FIELDS = List.of(
            "event_id",
            "version",
            "event_type",
            "event_category",
            "event_action",
            "event_outcome",
            "event_timestamp",
            "correlation_id",
            "actor_type",
            "actor_id",
            "resource_type",
            "resource_id",
            "event_data",
            "actor_ip",
            "resource_name",
            "parent_event_id",
            "namespace",
            "cluster_id",
            "severity",
            "duration_ms",
            "error_code",
            "error_message",
            "trace_id",
            "span_id",
            "ingested_at",
            "ingest_seq",
            "ingested_by");

    /** How many of {@link #FIELDS}, from the first, a client supplies; the rest DataStorage adds. */
    public static final int CLIENT_FIELDS = 24;

    private static final int INGESTION_FIELDS = 3;

    /** Size of a version-2 leaf in bytes. */
    public static final int LEAF_BYTES = 1 + (CLIENT_FIELDS + INGESTION_FIELDS) * FINGERPRINT_BYTES + 2 * DIGEST_BYTES;

    /** Size of a version-1 leaf in bytes. */
    public static final int V1_LEAF_BYTES = 1 + (CLIENT_FIELDS + INGESTION_FIELDS) * DIGEST_BYTES;

    private static final int CLIENT_HASH_AT = 1 + (CLIENT_FIELDS + INGESTION_FIELDS) * FINGERPRINT_BYTES;
    private static final int INGESTION_HASH_AT = CLIENT_HASH_AT + DIGEST_BYTES;

    private static final byte ABSENT = 0x00;
    private static final byte PRESENT = 0x01;
    private static final byte RFC6962_LEAF_PREFIX = 0x00;

    private LeafEncoding() {}

    /** The version-2 leaf of a stored event (with its {@code ingested_at}, {@code ingest_seq}, {@code ingested_by}). */
    public static byte[] encode(AuditEvent stored) {
        return encode(stored, VERSION);
    }

    /**
     * The leaf of a stored event in encoding {@code version} (1 or 2): a verifier recomputes an
     * event's leaf in the version of its log entry.
     *
     * @throws IllegalArgumentException when the version is not a known one
     */
    public static byte[] encode(AuditEvent stored, int version) {
        if (!KNOWN_VERSIONS.contains(version)) {
            throw new IllegalArgumentException("unknown leaf encoding version " + version + " (known: 1, 2)");
        }
        return encode(stored, version, true);
    }

    /**
     * The version-2 leaf of {@code event} as a client sent it, its three ingestion fields absent:
     * the client fields, the bulk of a leaf's work, hashed before a store knows the values it
     * assigns at commit, which {@link #withIngestion} then puts in. Equals {@link #encode} of the
     * event without ingestion values, without copying the event or hashing any of its own.
     */
    public static byte[] clientLeaf(AuditEvent event) {
        return encode(event, VERSION, false);
    }

    private static byte[] encode(AuditEvent stored, int version, boolean ingestion) {
        MessageDigest sha = sha256();
        byte[] digests = new byte[FIELDS.size() * DIGEST_BYTES];
        Sink sink = new LeafWriter(digests, 0);
        clientFields(stored, sha, sink);
        if (ingestion) {
            digest(sha, stored.ingestedAt(), sink);
            digest(sha, stored.ingestSeq(), sink);
            digest(sha, stored.ingestedBy(), sink);
        } else {
            for (int i = 0; i < INGESTION_FIELDS; i++) {
                sink.accept(absent());
            }
        }
        if (version == V1) {
            byte[] leaf = new byte[V1_LEAF_BYTES];
            leaf[0] = V1;
            System.arraycopy(digests, 0, leaf, 1, digests.length);
            return leaf;
        }
        byte[] leaf = new byte[LEAF_BYTES];
        leaf[0] = V2;
        fingerprints(digests, 0, FIELDS.size(), leaf);
        hashInto(sha, digests, 0, CLIENT_FIELDS * DIGEST_BYTES, leaf, CLIENT_HASH_AT);
        hashInto(sha, digests, CLIENT_FIELDS * DIGEST_BYTES, INGESTION_FIELDS * DIGEST_BYTES, leaf, INGESTION_HASH_AT);
        return leaf;
    }

    /**
     * The leaf {@code leaf}'s event gets once stored with these ingestion values: {@code leaf}, in
     * its own version, with what it holds of {@code ingested_at}, {@code ingest_seq} and {@code
     * ingested_by} replaced. Lets a store hash the client fields, the bulk of the work, before it
     * knows the values it assigns at commit: {@code withIngestion(clientLeaf(e), at, seq, by)}, like
     * {@code withIngestion(encode(e.withIngestion(any…)), at, seq, by)}, equals {@code
     * encode(e.withIngestion(at, seq, by))}.
     *
     * @throws IllegalArgumentException when the leaf is not a well-formed leaf of a known version
     */
    public static byte[] withIngestion(byte[] leaf, Instant ingestedAt, Long ingestSeq, String ingestedBy) {
        check(leaf, "leaf");
        MessageDigest sha = sha256();
        byte[] stored = leaf.clone();
        boolean v1 = leaf[0] == V1;
        byte[] digests = v1 ? stored : new byte[INGESTION_FIELDS * DIGEST_BYTES];
        Sink sink = new LeafWriter(digests, v1 ? 1 + CLIENT_FIELDS * DIGEST_BYTES : 0);
        digest(sha, ingestedAt, sink);
        digest(sha, ingestSeq, sink);
        digest(sha, ingestedBy, sink);
        if (!v1) {
            fingerprints(digests, CLIENT_FIELDS, INGESTION_FIELDS, stored);
            hashInto(sha, digests, 0, digests.length, stored, INGESTION_HASH_AT);
        }
        return stored;
    }

    /** RFC 6962 leaf hash: {@code SHA-256(0x00 || leaf)}. */
    public static byte[] leafHash(byte[] leaf) {
        MessageDigest sha = sha256();
        sha.update(RFC6962_LEAF_PREFIX);
        sha.update(leaf);
        return sha.digest();
    }

    /**
     * A digest of the client-supplied fields only (no {@code ingested_*}): {@code SHA-256} of their
     * 24 field digests, which is a version-2 leaf's client hash. Two sends of one event id are the
     * same event exactly when their content digests are equal.
     */
    public static byte[] contentDigest(AuditEvent event) {
        MessageDigest fields = sha256();
        MessageDigest all = sha256();
        clientFields(event, fields, new Sink() {
            @Override
            public void accept(byte[] digest) {
                all.update(digest);
            }

            @Override
            public void finish(MessageDigest sha) {
                all.update(sha.digest());
            }
        });
        return all.digest();
    }

    /**
     * The {@link #contentDigest} of the event a leaf of either version was made from, without the
     * event: equal to {@code contentDigest(e)} exactly when the leaf's client fields are those of
     * {@code e}.
     *
     * @throws IllegalArgumentException when the leaf is not a well-formed leaf of a known version
     */
    public static byte[] contentDigestOf(byte[] leaf) {
        check(leaf, "leaf");
        if (leaf[0] == V1) {
            MessageDigest sha = sha256();
            sha.update(leaf, 1, CLIENT_FIELDS * DIGEST_BYTES);
            return sha.digest();
        }
        return Arrays.copyOfRange(leaf, CLIENT_HASH_AT, CLIENT_HASH_AT + DIGEST_BYTES);
    }

    /**
     * Whether two leaves, of any versions, hold the same client-supplied content (they may differ
     * in what DataStorage added): a resend of a stored event is a duplicate exactly when this holds.
     *
     * @throws IllegalArgumentException when a leaf is not a well-formed leaf of a known version
     */
    public static boolean sameContent(byte[] leafA, byte[] leafB) {
        check(leafA, "leafA");
        check(leafB, "leafB");
        return Arrays.equals(contentDigestOf(leafA), contentDigestOf(leafB));
    }

    /**
     * The names of the fields whose fingerprints differ between two leaves of any versions, in leaf
     * order; empty when none does. A changed field keeps its {@value #FINGERPRINT_BYTES}-byte
     * fingerprint by chance about once in 2^64, or on purpose with about 2^64 SHA-256 work: the names
     * are that strong, while the leaf hash that detects the change is SHA-256's. Compare the leaf in
     * the log with {@link #encode} of the event the API serves to name what was changed; never a
     * field that did not change.
     *
     * @throws IllegalArgumentException when a leaf is not a well-formed leaf of a known version
     */
    public static List<String> differingFields(byte[] leafA, byte[] leafB) {
        check(leafA, "leafA");
        check(leafB, "leafB");
        List<String> differing = new ArrayList<>();
        for (int f = 0; f < FIELDS.size(); f++) {
            int a = fingerprintAt(leafA, f);
            int b = fingerprintAt(leafB, f);
            if (!Arrays.equals(leafA, a, a + FINGERPRINT_BYTES, leafB, b, b + FINGERPRINT_BYTES)) {
                differing.add(FIELDS.get(f));
            }
        }
        return differing;
    }

    /** Where field {@code f}'s fingerprint starts in a checked leaf; in version 1, its whole digest. */
    private static int fingerprintAt(byte[] leaf, int f) {
        return 1 + f * (leaf[0] == V1 ? DIGEST_BYTES : FINGERPRINT_BYTES);
    }

    /** Copies the fingerprints of {@code count} digests to their places in a version-2 leaf, from field {@code first}. */
    private static void fingerprints(byte[] digests, int first, int count, byte[] leaf) {
        for (int i = 0; i < count; i++) {
            System.arraycopy(digests, i * DIGEST_BYTES, leaf, 1 + (first + i) * FINGERPRINT_BYTES, FINGERPRINT_BYTES);
        }
    }

    /** Writes {@code SHA-256(in[from, from + length))} into {@code out} at {@code at}. */
    private static void hashInto(MessageDigest sha, byte[] in, int from, int length, byte[] out, int at) {
        sha.update(in, from, length);
        try {
            sha.digest(out, at, DIGEST_BYTES);
        } catch (DigestException e) {
            throw new IllegalStateException("a SHA-256 digest fits its 32 bytes", e);
        }
    }

    private static void check(byte[] leaf, String name) {
        if (leaf == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
        if (leaf.length == 0 || !KNOWN_VERSIONS.contains((int) leaf[0])) {
            throw new IllegalArgumentException(name + ": unknown leaf encoding version (got "
                    + (leaf.length == 0 ? "an empty leaf" : String.valueOf(leaf[0])) + ", known: 1, 2)");
        }
        int expected = leaf[0] == V1 ? V1_LEAF_BYTES : LEAF_BYTES;
        if (leaf.length != expected) {
            throw new IllegalArgumentException(
                    name + ": a version " + leaf[0] + " leaf has " + expected + " bytes (got " + leaf.length + ")");
        }
    }

    /** Where the field digests go, in leaf order. */
    private interface Sink {
        /** Takes a finished digest. */
        void accept(byte[] digest);

        /** Takes the digest {@code sha} holds the input of, and resets it. */
        void finish(MessageDigest sha);
    }

    /** Writes each digest straight into its place in a leaf, from {@code at} on. */
    private static final class LeafWriter implements Sink {
        private final byte[] leaf;
        private int at;

        LeafWriter(byte[] leaf, int at) {
            this.leaf = leaf;
            this.at = at;
        }

        @Override
        public void accept(byte[] digest) {
            System.arraycopy(digest, 0, leaf, at, DIGEST_BYTES);
            at += DIGEST_BYTES;
        }

        @Override
        public void finish(MessageDigest sha) {
            try {
                sha.digest(leaf, at, DIGEST_BYTES);
            } catch (DigestException e) {
                throw new IllegalStateException("a SHA-256 digest fits its 32 bytes", e);
            }
            at += DIGEST_BYTES;
        }
    }

    private static void clientFields(AuditEvent e, MessageDigest sha, Sink sink) {
        digest(sha, e.eventId(), sink);
        digest(sha, e.version(), sink);
        digest(sha, e.eventType(), sink);
        digest(sha, e.eventCategory(), sink);
        digest(sha, e.eventAction(), sink);
        digest(sha, e.eventOutcome() == null ? null : e.eventOutcome().wireName(), sink);
        digest(sha, e.eventTimestamp(), sink);
        digest(sha, e.correlationId(), sink);
        digest(sha, e.actorType(), sink);
        digest(sha, e.actorId(), sink);
        digest(sha, e.resourceType(), sink);
        digest(sha, e.resourceId(), sink);
        if (e.eventData() == null) {
            sink.accept(absent());
        } else {
            sha.update(PRESENT);
            CanonicalJson.write(e.eventData().json(), sha);
            sink.finish(sha);
        }
        digest(sha, e.actorIp(), sink);
        digest(sha, e.resourceName(), sink);
        digest(sha, e.parentEventId(), sink);
        digest(sha, e.namespace(), sink);
        digest(sha, e.clusterId(), sink);
        digest(sha, e.severity(), sink);
        digest(sha, e.durationMs(), sink);
        digest(sha, e.errorCode(), sink);
        digest(sha, e.errorMessage(), sink);
        digest(sha, e.traceId(), sink);
        digest(sha, e.spanId(), sink);
    }

    private static void digest(MessageDigest sha, String value, Sink sink) {
        if (value == null) {
            sink.accept(absent());
            return;
        }
        sha.update(PRESENT);
        sha.update(value.getBytes(StandardCharsets.UTF_8));
        sink.finish(sha);
    }

    private static void digest(MessageDigest sha, UUID value, Sink sink) {
        digest(sha, value == null ? null : value.toString(), sink);
    }

    private static void digest(MessageDigest sha, Instant value, Sink sink) {
        digest(sha, value == null ? null : AuditJson.formatTimestamp(value), sink);
    }

    private static void digest(MessageDigest sha, Long value, Sink sink) {
        digest(sha, value == null ? null : value.toString(), sink);
    }

    /**
     * The digest of every absent field, {@code SHA-256(0x00)}, computed once: most events leave
     * several optional fields out, and each would otherwise cost a SHA-256 on ingest. Shared, so
     * never written to (callers copy it or feed it to a digest).
     */
    private static final byte[] ABSENT_DIGEST = newSha256().digest(new byte[] {ABSENT});

    private static byte[] absent() {
        return ABSENT_DIGEST;
    }

    /**
     * A fresh SHA-256: a clone of one made once, which skips the provider lookup of {@link
     * MessageDigest#getInstance} (every leaf takes one or more on ingest).
     */
    private static MessageDigest sha256() {
        try {
            return (MessageDigest) SHA256.clone();
        } catch (CloneNotSupportedException e) {
            return newSha256();
        }
    }

    private static final MessageDigest SHA256 = newSha256();

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
