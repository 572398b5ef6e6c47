package dev.auditline.api.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.auditline.api.AuditEvent;
import dev.auditline.api.EventData;
import dev.auditline.api.EventOutcome;
import dev.auditline.api.TestEvents;
import dev.auditline.api.json.AuditJson;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class LeafEncodingTest {
    private static final Instant INGESTED_AT = Instant.parse("2026-11-26T18:31:05.000001Z");
    private static final UUID ID = UUID.fromString("019c6a5e-0b1a-7cc2-8f00-000000000001");
    private static final UUID PARENT = UUID.fromString("019c6a5e-0b19-7cc2-8f00-000000000002");

    private static AuditEvent stored(AuditEvent.Builder builder) {
        return builder.eventId(ID).build().withIngestion(INGESTED_AT, 42, "ds-1");
    }

    /** {@link TestEvents#full()} with a fixed parent_event_id (the test events draw a new one). */
    private static AuditEvent.Builder full() {
        return TestEvents.full().parentEventId(PARENT);
    }

    private static AuditEvent storedWithData(String eventDataJson) {
        return stored(full().eventData(EventData.parse(eventDataJson)));
    }

    private static byte[] leafOfData(String eventDataJson) {
        return LeafEncoding.encode(storedWithData(eventDataJson));
    }

    @Test
    void aVersion1LeafIsTheVersionByteThenOneDigestPerField() {
        byte[] leaf = LeafEncoding.encode(stored(full()), 1);

        assertThat(leaf).hasSize(1 + 27 * 32);
        assertThat(leaf[0]).isEqualTo((byte) 1);
        assertThat(LeafEncoding.FIELDS).hasSize(27).endsWith("ingested_at", "ingest_seq", "ingested_by");
    }

    @Test
    void aVersion2LeafIsTheVersionByteFingerprintsThenTheClientAndIngestionHashes() throws Exception {
        AuditEvent event = stored(full());
        byte[] digests = Arrays.copyOfRange(LeafEncoding.encode(event, 1), 1, 1 + 27 * 32);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.write(2);
        for (int f = 0; f < 27; f++) {
            expected.write(digests, f * 32, 8);
        }
        expected.write(sha256(Arrays.copyOfRange(digests, 0, 24 * 32)));
        expected.write(sha256(Arrays.copyOfRange(digests, 24 * 32, 27 * 32)));

        assertThat(LeafEncoding.encode(event)).hasSize(281).isEqualTo(expected.toByteArray());
        assertThat(LeafEncoding.encode(event, 2)).isEqualTo(expected.toByteArray());
        assertThatThrownBy(() -> LeafEncoding.encode(event, 3))
                .hasMessage("unknown leaf encoding version 3 (known: 1, 2)");
    }

    @Test
    void bothVersionsAgreeOnContentAndNameTheSameFields() {
        AuditEvent original = stored(full());
        AuditEvent resent = full().eventId(ID).build().withIngestion(INGESTED_AT.plusSeconds(9), 99, "other");
        AuditEvent edited = stored(full().actorId("mallory").eventData(EventData.parse("{\"approver\":\"mallory\"}")));

        assertThat(LeafEncoding.sameContent(LeafEncoding.encode(original, 1), LeafEncoding.encode(resent, 2)))
                .isTrue();
        assertThat(LeafEncoding.sameContent(LeafEncoding.encode(original, 1), LeafEncoding.encode(edited, 2)))
                .isFalse();
        assertThat(LeafEncoding.contentDigestOf(LeafEncoding.encode(original, 1)))
                .isEqualTo(LeafEncoding.contentDigestOf(LeafEncoding.encode(original, 2)))
                .isEqualTo(LeafEncoding.contentDigest(original));
        assertThat(LeafEncoding.differingFields(LeafEncoding.encode(original, 1), LeafEncoding.encode(edited, 2)))
                .containsExactly("actor_id", "event_data");
        assertThat(LeafEncoding.differingFields(LeafEncoding.encode(edited, 2), LeafEncoding.encode(original, 1)))
                .containsExactly("actor_id", "event_data");
        assertThat(LeafEncoding.differingFields(LeafEncoding.encode(original, 1), LeafEncoding.encode(original, 2)))
                .isEmpty();
        assertThat(LeafEncoding.leafHash(LeafEncoding.encode(original, 1)))
                .isNotEqualTo(LeafEncoding.leafHash(LeafEncoding.encode(original, 2)));
    }

    @Test
    void aVersion2LeafBindsEveryFieldBeyondItsFingerprint() {
        byte[] leaf = LeafEncoding.encode(stored(full()));
        byte[] clientHashEdited = leaf.clone();
        clientHashEdited[1 + 27 * 8] ^= 1;
        byte[] ingestionHashEdited = leaf.clone();
        ingestionHashEdited[1 + 27 * 8 + 32] ^= 1;

        // fingerprints equal, full hashes not: no field can be named, yet the content and leaf differ
        assertThat(LeafEncoding.differingFields(leaf, clientHashEdited)).isEmpty();
        assertThat(LeafEncoding.sameContent(leaf, clientHashEdited)).isFalse();
        assertThat(LeafEncoding.sameContent(leaf, ingestionHashEdited)).isTrue();
        assertThat(LeafEncoding.leafHash(ingestionHashEdited)).isNotEqualTo(LeafEncoding.leafHash(leaf));
    }

    @Test
    void replacingTheIngestionDigestsOfAVersion1LeafGivesItsLeafOfTheStoredEvent() {
        AuditEvent client = full().eventId(ID).build();
        AuditEvent provisional = client.withIngestion(Instant.EPOCH, 0L, null);
        AuditEvent stored = client.withIngestion(INGESTED_AT, 4242L, "svc-a");
        byte[] leaf = LeafEncoding.withIngestion(
                LeafEncoding.encode(provisional, 1), stored.ingestedAt(), stored.ingestSeq(), stored.ingestedBy());

        assertThat(leaf).isEqualTo(LeafEncoding.encode(stored, 1));
    }

    @Test
    void replacingTheIngestionDigestsGivesTheLeafOfTheStoredEvent() {
        AuditEvent client = full().eventId(ID).build();
        AuditEvent provisional = client.withIngestion(Instant.EPOCH, 0L, null);
        AuditEvent stored = client.withIngestion(INGESTED_AT, 4242L, "svc-a");

        byte[] leaf = LeafEncoding.withIngestion(
                LeafEncoding.encode(provisional), stored.ingestedAt(), stored.ingestSeq(), stored.ingestedBy());

        assertThat(leaf).isEqualTo(LeafEncoding.encode(stored));
        assertThat(leaf).isNotEqualTo(LeafEncoding.encode(provisional));
        // the client leaf: ingestion fields absent, the same leaf once they are put in
        assertThat(LeafEncoding.clientLeaf(client)).isEqualTo(LeafEncoding.encode(client));
        assertThat(LeafEncoding.clientLeaf(stored)).isEqualTo(LeafEncoding.encode(client));
        assertThat(LeafEncoding.withIngestion(
                        LeafEncoding.clientLeaf(stored), stored.ingestedAt(), stored.ingestSeq(), stored.ingestedBy()))
                .isEqualTo(LeafEncoding.encode(stored));
    }

    @Test
    void theLeafHashIsTheRfc6962LeafHash() throws Exception {
        byte[] leaf = LeafEncoding.encode(stored(full()));
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        sha.update((byte) 0x00);
        sha.update(leaf);

        assertThat(LeafEncoding.leafHash(leaf)).isEqualTo(sha.digest());
    }

    @Test
    void theEncodingOfAFixedEventDoesNotChange() {
        // Leaves already in a log must stay verifiable: a change here needs a new VERSION.
        AuditEvent event = stored(full().eventData(EventData.parse("{\"a\":1.5,\"b\":[true,null,\"x\"]}")));

        assertThat(HexFormat.of().formatHex(LeafEncoding.leafHash(LeafEncoding.encode(event, 1))))
                .isEqualTo("805d7b564d0ab5f0a4cd3445a62abbac17244aef7e581ae7e3623726a53611ff");
        assertThat(HexFormat.of().formatHex(LeafEncoding.leafHash(LeafEncoding.encode(event, 2))))
                .isEqualTo("f0f5de8956683e5eac4135c9f804efb2fa462e7763bc6296922f789469e89078");
    }

    @Test
    void fieldDigestsFollowTheDocumentedEncoding() throws Exception {
        byte[] leaf = LeafEncoding.encode(stored(full().eventData(EventData.parse("{\"a\":1.50}"))), 1);
        ByteArrayOutputStream eventData = new ByteArrayOutputStream();
        eventData.write(0x01);
        eventData.write('o');
        eventData.write(new byte[] {0, 0, 0, 1, 0, 0, 0, 1, 'a', 'n', 0, 0, 0, 5});
        eventData.write("15e-1".getBytes(StandardCharsets.US_ASCII));

        assertThat(fieldDigest(leaf, "event_id")).isEqualTo(sha256(concat(new byte[] {1}, ID.toString())));
        assertThat(fieldDigest(leaf, "event_timestamp"))
                .isEqualTo(sha256(concat(new byte[] {1}, "2026-11-26T18:31:04.123456Z")));
        assertThat(fieldDigest(leaf, "event_data")).isEqualTo(sha256(eventData.toByteArray()));
        assertThat(fieldDigest(leaf, "ingest_seq")).isEqualTo(sha256(concat(new byte[] {1}, "42")));
        assertThat(fieldDigest(LeafEncoding.encode(stored(TestEvents.minimal()), 1), "error_message"))
                .isEqualTo(sha256(new byte[] {0}));
    }

    private static byte[] fieldDigest(byte[] leaf, String field) {
        int from = 1 + LeafEncoding.FIELDS.indexOf(field) * 32;
        return Arrays.copyOfRange(leaf, from, from + 32);
    }

    private static byte[] concat(byte[] prefix, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        byte[] out = Arrays.copyOf(prefix, prefix.length + bytes.length);
        System.arraycopy(bytes, 0, out, prefix.length, bytes.length);
        return out;
    }

    private static byte[] sha256(byte[] bytes) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(bytes);
    }

    @Test
    void keyOrderWhitespaceAndNumberFormattingDoNotChangeTheLeaf() {
        byte[] reference = leafOfData("{\"a\":1,\"b\":{\"x\":[1.5,2],\"y\":\"text\"},\"c\":100}");

        assertThat(LeafEncoding.differingFields(
                        leafOfData(
                                "{ \"c\" : 1e2 , \"b\" : { \"y\" : \"text\", \"x\" : [ 1.50, 2.0 ] }, \"a\" : 1.00 }"),
                        reference))
                .isEmpty();
        assertThat(LeafEncoding.differingFields(
                        leafOfData("{\"c\":100.000,\"a\":1E0,\"b\":{\"x\":[15e-1,200e-2],\"y\":\"text\"}}"), reference))
                .isEmpty();
    }

    @Test
    void aJsonbLikeRewriteOfEventDataDoesNotChangeTheLeaf() {
        // PostgreSQL's jsonb sorts keys by length then bytes, prints numbers without exponent and
        // reformats whitespace (duplicate keys, which it would drop, never reach it: they are refused).
        byte[] reference = leafOfData("{\"zz\":1e-3,\"a\":12.50,\"mm\":{\"k\":-0.0},\"dup\":2}");

        assertThat(LeafEncoding.differingFields(
                        leafOfData("{\"a\": 12.50, \"zz\": 0.001, \"dup\": 2, \"mm\": {\"k\": 0}}"), reference))
                .isEmpty();
    }

    @Test
    void aStoredEventKeepsItsLeafThroughTheWireFormat() throws Exception {
        ObjectMapper mapper = AuditJson.mapper();
        AuditEvent event = storedWithData(
                "{\"amount\":1.10,\"nested\":{\"list\":[1e3,\"é\",false,null]},\"big\":12345678901234567890123}");

        AuditEvent reread = mapper.readValue(mapper.writeValueAsBytes(event), AuditEvent.class);

        assertThat(LeafEncoding.differingFields(LeafEncoding.encode(reread), LeafEncoding.encode(event)))
                .isEmpty();
    }

    @Test
    void stringsAreHashedAsTheirExactUtf8WithoutNormalisation() {
        byte[] composed = LeafEncoding.encode(stored(full().actor("user", "jos\u00e9")));
        byte[] decomposed = LeafEncoding.encode(stored(full().actor("user", "jose\u0301")));

        assertThat(LeafEncoding.differingFields(composed, decomposed)).containsExactly("actor_id");
        assertThat(leafOfData("{\"k\":\"caf\u00e9\"}")).isNotEqualTo(leafOfData("{\"k\":\"cafe\u0301\"}"));
    }

    @Test
    void valuesOfDifferentJsonTypesNeverShareAnEncoding() {
        List<byte[]> leaves = List.of(
                leafOfData("{\"k\":1}"),
                leafOfData("{\"k\":\"1\"}"),
                leafOfData("{\"k\":true}"),
                leafOfData("{\"k\":\"true\"}"),
                leafOfData("{\"k\":null}"),
                leafOfData("{\"k\":\"\"}"),
                leafOfData("{\"k\":[]}"),
                leafOfData("{\"k\":{}}"),
                leafOfData("{}"),
                leafOfData("{\"k\":[1,2]}"),
                leafOfData("{\"k\":[[1],2]}"),
                leafOfData("{\"k\":[[1,2]]}"),
                leafOfData("{\"ka\":\"b\"}"),
                leafOfData("{\"k\":\"ab\"}"));

        assertThat(leaves.stream().map(HexFormat.of()::formatHex).distinct()).hasSize(leaves.size());
    }

    @Test
    void anAbsentFieldIsEncodedDistinctlyFromAnEmptyOne() {
        AuditEvent absent = stored(TestEvents.minimal());
        AuditEvent empty = withErrorMessage(absent, "");

        assertThat(LeafEncoding.differingFields(LeafEncoding.encode(absent), LeafEncoding.encode(empty)))
                .containsExactly("error_message");
    }

    @Test
    void differingFieldsNamesEachChangedField() {
        AuditEvent original = stored(full());
        AuditEvent edited = stored(full().actorId("mallory")
                        .eventOutcome(EventOutcome.SUCCESS)
                        .eventData(EventData.parse("{\"approver\":\"mallory\",\"steps\":[1,2,3]}")))
                .withIngestion(INGESTED_AT, 43, "ds-1");

        assertThat(LeafEncoding.differingFields(LeafEncoding.encode(original), LeafEncoding.encode(edited)))
                .containsExactly("event_outcome", "actor_id", "event_data", "ingest_seq");
        assertThat(LeafEncoding.differingFields(LeafEncoding.encode(original), LeafEncoding.encode(original)))
                .isEmpty();
    }

    @Test
    void everyFieldOfTheEventIsCovered() {
        AuditEvent full = stored(full());
        AuditEvent bare = new AuditEvent(
                null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null, null, null, null);

        assertThat(LeafEncoding.differingFields(LeafEncoding.encode(full), LeafEncoding.encode(bare)))
                .containsExactlyElementsOf(LeafEncoding.FIELDS);
    }

    @Test
    void theContentDigestAndSameContentIgnoreWhatDataStorageAdds() {
        AuditEvent first = stored(full());
        AuditEvent resent = full().eventId(ID).build().withIngestion(INGESTED_AT.plusSeconds(9), 99, "other");
        AuditEvent other = stored(full().actorId("mallory"));

        assertThat(LeafEncoding.contentDigest(resent)).isEqualTo(LeafEncoding.contentDigest(first));
        assertThat(LeafEncoding.contentDigest(full().eventId(ID).build())).isEqualTo(LeafEncoding.contentDigest(first));
        assertThat(LeafEncoding.contentDigest(other)).isNotEqualTo(LeafEncoding.contentDigest(first));
        assertThat(LeafEncoding.contentDigestOf(LeafEncoding.encode(first)))
                .isEqualTo(LeafEncoding.contentDigest(resent));
        assertThat(LeafEncoding.contentDigestOf(LeafEncoding.encode(other)))
                .isNotEqualTo(LeafEncoding.contentDigest(first));
        assertThat(LeafEncoding.sameContent(LeafEncoding.encode(first), LeafEncoding.encode(resent)))
                .isTrue();
        assertThat(LeafEncoding.sameContent(LeafEncoding.encode(first), LeafEncoding.encode(other)))
                .isFalse();
    }

    @Test
    void aMalformedLeafIsRefusedWithItsProblem() {
        byte[] leaf = LeafEncoding.encode(stored(full()));
        byte[] unknownVersion = leaf.clone();
        unknownVersion[0] = 9;

        assertThatThrownBy(() -> LeafEncoding.differingFields(leaf, new byte[10]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("leafB: unknown leaf encoding version (got 0, known: 1, 2)");
        assertThatThrownBy(() -> LeafEncoding.differingFields(leaf, Arrays.copyOf(leaf, 100)))
                .hasMessage("leafB: a version 2 leaf has 281 bytes (got 100)");
        assertThatThrownBy(
                        () -> LeafEncoding.contentDigestOf(Arrays.copyOf(LeafEncoding.encode(stored(full()), 1), 281)))
                .hasMessage("leaf: a version 1 leaf has 865 bytes (got 281)");
        assertThatThrownBy(() -> LeafEncoding.sameContent(unknownVersion, leaf))
                .hasMessage("leafA: unknown leaf encoding version (got 9, known: 1, 2)");
    }

    @Test
    void numbersAreCanonicalByValue() {
        assertThat(CanonicalJson.canonicalNumber("1")).isEqualTo("1e0");
        assertThat(CanonicalJson.canonicalNumber("1.00")).isEqualTo("1e0");
        assertThat(CanonicalJson.canonicalNumber("1e0")).isEqualTo("1e0");
        assertThat(CanonicalJson.canonicalNumber("100")).isEqualTo("1e2");
        assertThat(CanonicalJson.canonicalNumber("-0.0")).isEqualTo("0");
        assertThat(CanonicalJson.canonicalNumber("0.0010")).isEqualTo("1e-3");
        assertThat(CanonicalJson.canonicalNumber("-12.5E+3")).isEqualTo("-125e2");
    }

    private static AuditEvent withErrorMessage(AuditEvent e, String errorMessage) {
        return new AuditEvent(
                e.eventId(),
                e.version(),
                e.eventType(),
                e.eventCategory(),
                e.eventAction(),
                e.eventOutcome(),
                e.eventTimestamp(),
                e.correlationId(),
                e.actorType(),
                e.actorId(),
                e.resourceType(),
                e.resourceId(),
                e.eventData(),
                e.actorIp(),
                e.resourceName(),
                e.parentEventId(),
                e.namespace(),
                e.clusterId(),
                e.severity(),
                e.durationMs(),
                e.errorCode(),
                errorMessage,
                e.traceId(),
                e.spanId(),
                e.ingestedAt(),
                e.ingestSeq(),
                e.ingestedBy());
    }
}
