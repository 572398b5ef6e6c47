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
 * <p>A leaf is one version byte ({@value #VERSION}) followed by one SHA-256 digest per field, in
 * the fixed order of {@link #FIELDS}: the 24 fields a client sends, then {@code ingested_at},
 * {@code ingest_seq} and {@code ingested_by}, the values DataStorage adds. Because each field has
 * its own digest, a verifier that holds a leaf and an event can name the field that differs
 * ({@link #differingFields}) instead of only saying "the hash does not match".
 *
 * <p>Each field digest is {@code SHA-256(0x00)} when the field is absent and
 * {@code SHA-256(0x01 || value)} when present, so an absent field never equals an empty one. The
 * value bytes are the field exactly as the API serves it: strings as their exact UTF-8 (no Unicode
 * normalisation), UUIDs in lowercase canonical form, timestamps as RFC 3339 UTC with six
 * fractional digits, integers in decimal, {@code event_outcome} by its wire name, and
 * {@code event_data} in the {@link CanonicalJson} form, which a JSONB round trip, key order,
 * whitespace or number formatting cannot change.
 *
 * <p>The leaf hash is RFC 6962's: {@code SHA-256(0x00 || leaf)}. A later encoding version gets a
 * new version byte and field list; leaves already in the log keep theirs.
 */
public final class LeafEncoding {
    /** The encoding version, the first byte of every leaf this class writes. */
    public static final int VERSION = 1;

    /** Bytes of one field digest (SHA-256). */
    public static final int DIGEST_BYTES = 32;

    /** The fields of a version-1 leaf, in leaf order, by their wire (snake_case) names. */
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

    /** Size of a version-1 leaf in bytes. */
    public static final int LEAF_BYTES = 1 + FIELDS.size() * DIGEST_BYTES;

    private static final byte ABSENT = 0x00;
    private static final byte PRESENT = 0x01;
    private static final byte RFC6962_LEAF_PREFIX = 0x00;

    private LeafEncoding() {}

    /** The leaf of a stored event (with its {@code ingested_at}, {@code ingest_seq}, {@code ingested_by}). */
    public static byte[] encode(AuditEvent stored) {
        MessageDigest sha = sha256();
        byte[] leaf = new byte[LEAF_BYTES];
        leaf[0] = VERSION;
        Sink sink = new LeafWriter(leaf, 1);
        clientFields(stored, sha, sink);
        digest(sha, stored.ingestedAt(), sink);
        digest(sha, stored.ingestSeq(), sink);
        digest(sha, stored.ingestedBy(), sink);
        return leaf;
    }

    /**
     * The leaf {@code leaf}'s event gets once stored with these ingestion values: {@code leaf} with
     * its last three digests ({@code ingested_at}, {@code ingest_seq}, {@code ingested_by})
     * replaced. Lets a store hash the client fields, the bulk of the work, before it knows the
     * values it assigns at commit: {@code withIngestion(encode(e.withIngestion(any…)), at, seq, by)}
     * equals {@code encode(e.withIngestion(at, seq, by))}.
     *
     * @throws IllegalArgumentException when the leaf is not a well-formed leaf of a known version
     */
    public static byte[] withIngestion(byte[] leaf, Instant ingestedAt, Long ingestSeq, String ingestedBy) {
        check(leaf, "leaf");
        MessageDigest sha = sha256();
        byte[] stored = leaf.clone();
        Sink sink = new LeafWriter(stored, 1 + CLIENT_FIELDS * DIGEST_BYTES);
        digest(sha, ingestedAt, sink);
        digest(sha, ingestSeq, sink);
        digest(sha, ingestedBy, sink);
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
     * A digest of the client-supplied fields only (no {@code ingested_*}): two sends of one event
     * id are the same event exactly when their content digests are equal.
     */
    public static byte[] contentDigest(AuditEvent event) {
        MessageDigest fields = sha256();
        MessageDigest all = sha256();
        all.update((byte) VERSION);
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
     * The {@link #contentDigest} of the event a leaf was made from, without the event: equal to
     * {@code contentDigest(e)} exactly when the leaf's client fields are those of {@code e}.
     *
     * @throws IllegalArgumentException when the leaf is not a well-formed leaf of a known version
     */
    public static byte[] contentDigestOf(byte[] leaf) {
        check(leaf, "leaf");
        MessageDigest sha = sha256();
        sha.update(leaf, 0, 1 + CLIENT_FIELDS * DIGEST_BYTES);
        return sha.digest();
    }

    /**
     * Whether two leaves hold the same client-supplied content (they may differ in what DataStorage
     * added): a resend of a stored event is a duplicate exactly when this holds.
     *
     * @throws IllegalArgumentException when a leaf is not a well-formed leaf of a known version
     */
    public static boolean sameContent(byte[] leafA, byte[] leafB) {
        check(leafA, "leafA");
        check(leafB, "leafB");
        return leafA[0] == leafB[0]
                && Arrays.equals(
                        leafA, 1, 1 + CLIENT_FIELDS * DIGEST_BYTES, leafB, 1, 1 + CLIENT_FIELDS * DIGEST_BYTES);
    }

    /**
     * The names of the fields whose digests differ between two leaves, in leaf order; empty when
     * the leaves are equal. Compare the leaf in the log with {@link #encode} of the event the API
     * serves to name what was changed.
     *
     * @throws IllegalArgumentException when a leaf is malformed or the two have different versions
     */
    public static List<String> differingFields(byte[] leafA, byte[] leafB) {
        check(leafA, "leafA");
        check(leafB, "leafB");
        if (leafA[0] != leafB[0]) {
            throw new IllegalArgumentException(
                    "leaves have different encoding versions (" + leafA[0] + " and " + leafB[0] + ")");
        }
        List<String> differing = new ArrayList<>();
        for (int f = 0; f < FIELDS.size(); f++) {
            int from = 1 + f * DIGEST_BYTES;
            if (!Arrays.equals(leafA, from, from + DIGEST_BYTES, leafB, from, from + DIGEST_BYTES)) {
                differing.add(FIELDS.get(f));
            }
        }
        return differing;
    }

    private static void check(byte[] leaf, String name) {
        if (leaf == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
        if (leaf.length == 0 || leaf[0] != VERSION) {
            throw new IllegalArgumentException(name + ": unknown leaf encoding version (got "
                    + (leaf.length == 0 ? "an empty leaf" : String.valueOf(leaf[0])) + ", known: " + VERSION + ")");
        }
        if (leaf.length != LEAF_BYTES) {
            throw new IllegalArgumentException(
                    name + ": a version " + VERSION + " leaf has " + LEAF_BYTES + " bytes (got " + leaf.length + ")");
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
