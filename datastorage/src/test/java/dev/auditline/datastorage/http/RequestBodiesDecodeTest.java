package dev.auditline.datastorage.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.auditline.api.ValidationLimits;
import dev.auditline.api.json.BodyRefusal;
import dev.auditline.api.json.EventDecoder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The batch route's body path: the decoder reads a gzip body while it is inflated, and answers
 * exactly as reading the whole body first and decoding it afterwards does, in the same order: what
 * is wrong with the body as a whole (size, gzip framing, trailer) before what the decoder refuses.
 */
class RequestBodiesDecodeTest {
    private static final long MAX_REQUEST_BYTES = 64 * 1024;
    private static final Instant NOW = Instant.parse("2026-11-26T18:32:04Z");
    private static final String ITEM = "{\"event_id\":\"0190f3c2-7b1a-7c3e-9d2f-4a5b6c7d8e9f\",\"version\":\"1.0\","
            + "\"event_type\":\"orchestrator.remediation.approved\",\"event_category\":\"orchestration\","
            + "\"event_action\":\"approved\",\"event_outcome\":\"success\","
            + "\"event_timestamp\":\"2026-11-26T18:31:04.123456Z\",\"correlation_id\":\"rr-1\","
            + "\"actor_type\":\"service\",\"actor_id\":\"orchestrator\",\"resource_type\":\"remediation_request\","
            + "\"resource_id\":\"rr-1\",\"event_data\":{\"step\":\"approved\",\"n\":1e3}}";

    private final RequestBodies bodies = new RequestBodies(MAX_REQUEST_BYTES);
    private final EventDecoder decoder = new EventDecoder(ValidationLimits.DEFAULTS);

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** "ok: N items, V valid" or "STATUS: detail", streaming. */
    private String streamed(byte[] sent, String encoding) throws IOException {
        try {
            List<EventDecoder.Decoded> decoded = bodies.decode(
                    new ByteArrayInputStream(sent), sent.length, encoding, in -> decoder.decodeBatch(in, NOW, 20));
            return "ok: " + decoded.size() + " items, "
                    + decoded.stream().filter(EventDecoder.Decoded::valid).count() + " valid";
        } catch (ApiProblem problem) {
            return problem.problem().status() + ": " + problem.problem().detail();
        }
    }

    /** The same, reading the whole body first and decoding the array. */
    private String whole(byte[] sent, String encoding) throws IOException {
        try {
            byte[] body = bodies.read(new ByteArrayInputStream(sent), sent.length, encoding);
            if (body.length == 0) {
                return "400: the request body is empty; expected a JSON document";
            }
            List<EventDecoder.Decoded> decoded = decoder.decodeBatch(body, NOW, 20);
            return "ok: " + decoded.size() + " items, "
                    + decoded.stream().filter(EventDecoder.Decoded::valid).count() + " valid";
        } catch (ApiProblem problem) {
            return problem.problem().status() + ": " + problem.problem().detail();
        } catch (BodyRefusal refusal) {
            return "400: " + refusal.getMessage();
        }
    }

    @Test
    void everyBodyIsAnsweredAsReadingItWholeFirstWouldAnswerIt() throws IOException {
        byte[] batch = utf8("{\"events\":[" + ITEM + "," + ITEM.replace("success", "maybe") + "]}");
        byte[] gz = GzipTest.gzip(batch);
        byte[] badCrc = gz.clone();
        badCrc[badCrc.length - 8] ^= 1;
        byte[] corruptMiddle = gz.clone();
        corruptMiddle[gz.length / 2] ^= 0x5a;
        Map<String, byte[]> gzipBodies = new LinkedHashMap<>();
        gzipBodies.put("valid", gz);
        gzipBodies.put("bad CRC under valid JSON", badCrc);
        gzipBodies.put("corrupt deflate data", corruptMiddle);
        gzipBodies.put("truncated", Arrays.copyOf(gz, gz.length / 2));
        gzipBodies.put("garbage after the member", GzipTest.concat(gz, new byte[] {'x'}));
        gzipBodies.put("garbage after a refused document", GzipTest.concat(GzipTest.gzip(utf8("{}")), new byte[] {1}));
        gzipBodies.put("a zip bomb of zero bytes", GzipTest.gzip(new byte[(int) MAX_REQUEST_BYTES * 4]));
        gzipBodies.put("a zip bomb of valid JSON", GzipTest.gzip(utf8("{\"events\":[" + " ".repeat(300_000) + "]}")));
        gzipBodies.put("empty", GzipTest.gzip(new byte[0]));
        gzipBodies.put("not gzip", batch);
        gzipBodies.put("UTF-16", GzipTest.gzip("{\"events\":[]}".getBytes(StandardCharsets.UTF_16LE)));
        gzipBodies.put("not JSON", GzipTest.gzip(utf8("{\"events\":[")));
        gzipBodies.put("two documents", GzipTest.gzip(utf8("{\"events\":[" + ITEM + "]} {}")));
        gzipBodies.put("too many events", GzipTest.gzip(utf8("{\"events\":[" + (ITEM + ",").repeat(20) + ITEM + "]}")));

        Map<String, String> answers = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> body : gzipBodies.entrySet()) {
            String streamed = streamed(body.getValue(), "gzip");
            assertThat(streamed).as(body.getKey()).isEqualTo(whole(body.getValue(), "gzip"));
            answers.put(body.getKey(), streamed);
        }
        for (byte[] plain : List.of(batch, new byte[0], utf8("{\"events\":[]}"), utf8("[1]"))) {
            assertThat(streamed(plain, null)).isEqualTo(whole(plain, null));
        }

        assertThat(answers.get("valid")).isEqualTo("ok: 2 items, 1 valid");
        assertThat(answers.get("bad CRC under valid JSON"))
                .isEqualTo("400: the body is not valid gzip (Content-Encoding: gzip):"
                        + " the CRC-32 in the gzip trailer does not match the data");
        assertThat(answers.get("truncated"))
                .isEqualTo("400: the body is not valid gzip (Content-Encoding: gzip):"
                        + " the body ends inside the compressed data");
        assertThat(answers.get("garbage after a refused document")).contains("1 bytes follow the gzip stream");
        assertThat(answers.get("a zip bomb of zero bytes")).startsWith("413: the decompressed body (more than 65536");
        assertThat(answers.get("a zip bomb of valid JSON")).startsWith("413: the decompressed body");
        assertThat(answers.get("empty")).isEqualTo("400: the request body is empty; expected a JSON document");
        assertThat(answers.get("too many events")).startsWith("400: events: must hold at most max_batch_size 20");
    }
}
