package dev.auditline.datastorage.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.auditline.api.ValidationLimits;
import dev.auditline.api.json.BodyRefusal;
import dev.auditline.api.json.EventDecoder;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;

/**
 * The ingest body path below HTTP: bounded reading, strict gzip and the decoder. Whatever the
 * bytes and the {@code Content-Encoding}, the answer is the body or a 400/413/415 problem, never
 * another exception; a body the client gzipped comes back exactly; what the decoder refuses maps
 * to a 400 naming the rule.
 *
 * <p>The first input byte picks the case: bit 0 sends {@code Content-Encoding: gzip}, bit 1 gzips
 * the rest first (as a client does), bit 2 then appends the last byte again after the stream.
 */
class RequestBodiesFuzzTest {
    private static final long MAX_REQUEST_BYTES = 64 * 1024;
    private final RequestBodies bodies = new RequestBodies(MAX_REQUEST_BYTES);
    private final EventDecoder decoder = new EventDecoder(ValidationLimits.DEFAULTS);

    @FuzzTest(maxDuration = "3m")
    void anyBodyIsReadOrRefusedWithA4xxAndGzipRoundTripsExactly(byte[] input) throws IOException {
        if (input.length == 0) {
            return;
        }
        int mode = input[0];
        byte[] rest = Arrays.copyOfRange(input, 1, input.length);
        boolean gzipHeader = (mode & 1) != 0;
        boolean compress = (mode & 2) != 0;
        boolean trailing = (mode & 4) != 0 && rest.length > 0;
        byte[] sent = compress ? gzip(rest) : rest;
        if (trailing) {
            sent = Arrays.copyOf(sent, sent.length + 1);
            sent[sent.length - 1] = rest[rest.length - 1];
        }

        byte[] body;
        try {
            body = bodies.read(new ByteArrayInputStream(sent), sent.length, gzipHeader ? "gzip" : null);
        } catch (ApiProblem problem) {
            assertThat(problem.problem().status()).isIn(400, 413);
            assertThat(problem.problem().detail()).isNotBlank();
            if (gzipHeader && compress && !trailing && rest.length <= MAX_REQUEST_BYTES) {
                throw new AssertionError("a well-formed gzip body was refused: " + problem.getMessage());
            }
            if (gzipHeader && compress && trailing) {
                assertThat(problem.problem().detail()).contains("follow the gzip stream");
            }
            return;
        }
        if (gzipHeader && compress) {
            assertThat(trailing).as("bytes after the gzip stream were accepted").isFalse();
            assertThat(body).isEqualTo(rest);
        } else if (!gzipHeader) {
            assertThat(body).isEqualTo(sent);
        }
        try {
            assertThat(decoder.decodeBatch(body, Instant.now(), 20)).isNotEmpty();
        } catch (BodyRefusal refusal) {
            assertThat(RequestBodies.problem(refusal).problem().status()).isEqualTo(400);
        }
    }

    /**
     * The batch route decodes a gzip body while inflating it; whatever the bytes, it answers as
     * reading the whole body first and decoding the array would: the same problem, or as many items.
     */
    @FuzzTest(maxDuration = "2m")
    void decodingWhileInflatingAnswersAsReadingTheWholeBodyFirst(byte[] input) throws IOException {
        if (input.length == 0) {
            return;
        }
        int mode = input[0];
        byte[] rest = Arrays.copyOfRange(input, 1, input.length);
        byte[] sent = (mode & 2) != 0 ? gzip(rest) : rest;
        if ((mode & 4) != 0 && rest.length > 0) {
            sent = Arrays.copyOf(sent, sent.length + 1);
            sent[sent.length - 1] = rest[rest.length - 1];
        }
        String encoding = (mode & 1) != 0 ? "gzip" : null;

        String streamed;
        try {
            streamed = "ok "
                    + bodies.decode(
                                    new ByteArrayInputStream(sent),
                                    sent.length,
                                    encoding,
                                    in -> decoder.decodeBatch(in, Instant.EPOCH, 20))
                            .size();
        } catch (ApiProblem problem) {
            streamed = problem.problem().status() + " " + problem.problem().detail();
        }
        String whole;
        try {
            byte[] body = bodies.read(new ByteArrayInputStream(sent), sent.length, encoding);
            whole = body.length == 0
                    ? "400 the request body is empty; expected a JSON document"
                    : "ok " + decoder.decodeBatch(body, Instant.EPOCH, 20).size();
        } catch (ApiProblem problem) {
            whole = problem.problem().status() + " " + problem.problem().detail();
        } catch (BodyRefusal refusal) {
            whole = "400 " + refusal.getMessage();
        }
        assertThat(streamed).isEqualTo(whole);
    }

    private static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(raw);
        }
        return out.toByteArray();
    }
}
