package dev.auditline.datastorage.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.auditline.api.json.AuditJson;
import dev.auditline.api.json.BodyRefusal;
import io.javalin.http.Context;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.function.Function;

/**
 * Reads request bodies within {@code max_request_bytes}: refused from {@code Content-Length} before
 * a byte is read, and counted while streaming (chunked bodies). A gzip body is bounded twice, on
 * the wire and after decompression, so a small zip bomb cannot inflate past the limit in memory; it
 * must be exactly one gzip member whose trailer (CRC-32 and length) matches, with nothing after it.
 */
final class RequestBodies {
    private static final ObjectReader JSON = AuditJson.mapper()
            .reader()
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            // two readers of one document must never see different values (last-wins hides one)
            .with(StreamReadFeature.STRICT_DUPLICATE_DETECTION);

    private final long maxRequestBytes;

    RequestBodies(long maxRequestBytes) {
        this.maxRequestBytes = maxRequestBytes;
    }

    /** The request's JSON document as a tree, never {@code null}; for routes other than ingest. */
    JsonNode readJson(Context ctx) {
        return parseJson(readBody(ctx));
    }

    /** A UTF-8 JSON document as a tree, or the 400 naming why it is not one. */
    static JsonNode parseJson(byte[] body) {
        try {
            AuditJson.requireUtf8(body);
            JsonNode node = JSON.readTree(body);
            if (node == null || node.isMissingNode()) {
                throw ApiProblem.badRequest("invalid-body", "the request body holds no JSON document");
            }
            return node;
        } catch (BodyRefusal e) {
            throw problem(e);
        } catch (StreamConstraintsException e) {
            if (!e.getOriginalMessage().contains("nesting depth")) {
                // a number, string or name past the reader's own limit: the message names it
                throw ApiProblem.badRequest(
                        "invalid-body",
                        "the body is past a limit of the JSON reader: " + shorten(e.getOriginalMessage()));
            }
            throw ApiProblem.badRequest(
                            "invalid-body",
                            "the body nests deeper than " + AuditJson.MAX_DOCUMENT_DEPTH + " levels: "
                                    + e.getOriginalMessage())
                    .with("limit", AuditJson.MAX_DOCUMENT_DEPTH);
        } catch (JsonProcessingException e) {
            String message = e.getOriginalMessage();
            if (message != null && message.startsWith("Duplicate field '") && message.endsWith("'")) {
                String key = message.substring("Duplicate field '".length(), message.length() - 1);
                throw ApiProblem.badRequest(
                        "invalid-body",
                        "the body repeats the key \"" + shorten(key) + "\" in one object: a key may appear only once");
            }
            throw ApiProblem.badRequest("invalid-body", "the body is not valid JSON in UTF-8: " + shorten(message));
        } catch (IOException e) {
            throw ApiProblem.badRequest("invalid-body", "the body cannot be read: " + e.getMessage());
        }
    }

    /** The request's body, decompressed, never empty. */
    byte[] readBody(Context ctx) {
        byte[] body = readBytes(ctx);
        if (body.length == 0) {
            throw emptyBody();
        }
        return body;
    }

    /** The 400 answer for a body the decoder refused, naming the rule and the limit. */
    static ApiProblem problem(BodyRefusal refusal) {
        ApiProblem problem = ApiProblem.badRequest(refusal.type(), refusal.getMessage());
        if (refusal.field() != null) {
            problem = problem.with("field", refusal.field());
        }
        if (refusal.limit() != null) {
            problem = problem.with("limit", refusal.limit());
        }
        return problem;
    }

    byte[] readBytes(Context ctx) {
        try {
            return read(ctx.req().getInputStream(), ctx.req().getContentLengthLong(), ctx.header("Content-Encoding"));
        } catch (IOException e) {
            throw ApiProblem.badRequest("invalid-body", "the body cannot be read: " + e.getMessage());
        }
    }

    /**
     * The body behind the HTTP layer: bounded, decompressed, checked.
     *
     * @param declared the {@code Content-Length}, or -1 when unknown
     * @param encoding the {@code Content-Encoding} header, or {@code null}
     * @throws ApiProblem 413 past {@code max_request_bytes}, 415 for another encoding, 400 for bad gzip
     */
    byte[] read(InputStream raw, long declared, String encoding) throws IOException {
        boolean gzip = isGzip(declared, encoding);
        if (!gzip) {
            return readBounded(raw, declared, "the body");
        }
        byte[] compressed = readBounded(raw, declared, "the compressed body");
        try {
            return Gzip.inflate(compressed, maxRequestBytes);
        } catch (Gzip.TooLarge e) {
            throw inflatedTooLarge();
        } catch (Gzip.Malformed e) {
            throw notGzip(e);
        }
    }

    /** Decodes the request's body as {@link #decode(InputStream, long, String, Function)} does. */
    <T> T decode(Context ctx, Function<InputStream, T> decoder) {
        try {
            return decode(
                    ctx.req().getInputStream(),
                    ctx.req().getContentLengthLong(),
                    ctx.header("Content-Encoding"),
                    decoder);
        } catch (IOException e) {
            throw ApiProblem.badRequest("invalid-body", "the body cannot be read: " + e.getMessage());
        }
    }

    /**
     * Hands the body to {@code decoder} as a stream, a gzip body decompressed as the decoder reads
     * it, so a large body is never held decompressed as a whole; bounded and checked exactly as
     * {@link #read} does, and in the same order: whatever is wrong with the body as a whole (its
     * size, its gzip framing, its trailer) is answered before what the decoder refused in it.
     *
     * @param decoder reads the stream to its end or throws a {@link BodyRefusal}; an {@link
     *     UncheckedIOException} it throws must carry the stream's {@link IOException}
     * @throws ApiProblem as {@link #read} does, the 400 "the request body is empty", and the 400
     *     naming what the decoder refused
     */
    <T> T decode(InputStream raw, long declared, String encoding, Function<InputStream, T> decoder) throws IOException {
        boolean gzip = isGzip(declared, encoding);
        byte[] wire = readBounded(raw, declared, gzip ? "the compressed body" : "the body");
        if (!gzip) {
            if (wire.length == 0) {
                throw emptyBody();
            }
            try {
                return decoder.apply(new ByteArrayInputStream(wire));
            } catch (BodyRefusal e) {
                throw problem(e);
            }
        }
        Gzip.Stream inflated;
        try {
            inflated = new Gzip.Stream(wire, maxRequestBytes);
        } catch (Gzip.Malformed e) {
            throw notGzip(e);
        }
        try (inflated) {
            PushbackInputStream body = new PushbackInputStream(inflated, 1);
            int first = body.read();
            if (first < 0) {
                throw emptyBody();
            }
            body.unread(first);
            T decoded;
            try {
                decoded = decoder.apply(body);
            } catch (BodyRefusal e) {
                inflated.drain(); // a broken or oversize member is answered as such, not as bad JSON
                throw problem(e);
            } catch (UncheckedIOException e) {
                if (e.getCause() instanceof Gzip.Failure failure) {
                    throw failure;
                }
                throw e;
            }
            inflated.drain();
            return decoded;
        } catch (Gzip.Failure e) {
            if (e.reason() instanceof Gzip.TooLarge) {
                throw inflatedTooLarge();
            }
            throw notGzip(e.reason());
        }
    }

    /** Whether the body is gzip; the 413 for a declared length past the limit, the 415 for another encoding. */
    private boolean isGzip(long declared, String encoding) {
        if (declared > maxRequestBytes) {
            throw tooLarge("Content-Length " + declared);
        }
        if (encoding != null && !encoding.isBlank()) {
            String e = encoding.trim().toLowerCase(Locale.ROOT);
            if (e.equals("gzip") || e.equals("x-gzip")) {
                return true;
            } else if (!e.equals("identity")) {
                throw ApiProblem.of(
                        415,
                        "unsupported-encoding",
                        "Unsupported Content-Encoding",
                        "Content-Encoding must be gzip" + " or identity (got \"" + shorten(encoding) + "\")");
            }
        }
        return false;
    }

    private static ApiProblem emptyBody() {
        return ApiProblem.badRequest("invalid-body", "the request body is empty; expected a JSON document");
    }

    private ApiProblem inflatedTooLarge() {
        return tooLarge("the decompressed body (more than " + maxRequestBytes + " bytes read)");
    }

    private static ApiProblem notGzip(Exception malformed) {
        return ApiProblem.badRequest(
                "invalid-body", "the body is not valid gzip (Content-Encoding: gzip): " + malformed.getMessage());
    }

    /** @param declared the {@code Content-Length} (at most the limit), or -1: the size to expect, read without regrowing */
    private byte[] readBounded(InputStream in, long declared, String what) throws IOException {
        if (declared > 0) {
            byte[] body = in.readNBytes((int) declared);
            int next = body.length == declared ? in.read() : -1;
            if (next == -1) {
                return body;
            }
            // more than declared: not what HTTP/1.1 framing delivers, but counted and bounded all the same
            ByteArrayOutputStream rest = new ByteArrayOutputStream(body.length + 8192);
            rest.write(body);
            rest.write(next);
            return readRest(in, rest, what);
        }
        return readRest(in, new ByteArrayOutputStream(8192), what);
    }

    private byte[] readRest(InputStream in, ByteArrayOutputStream out, String what) throws IOException {
        byte[] buffer = new byte[16384];
        long total = out.size();
        if (total > maxRequestBytes) {
            throw tooLarge(what + " (more than " + maxRequestBytes + " bytes read)");
        }
        int n;
        while ((n = in.read(buffer)) != -1) {
            total += n;
            if (total > maxRequestBytes) {
                throw tooLarge(what + " (more than " + maxRequestBytes + " bytes read)");
            }
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }

    private ApiProblem tooLarge(String what) {
        return ApiProblem.of(
                        413,
                        "payload-too-large",
                        "Payload too large",
                        what + " exceeds max_request_bytes " + maxRequestBytes + "; split the batch")
                .with("limit", maxRequestBytes);
    }

    private static String shorten(String s) {
        if (s == null) {
            return "";
        }
        String t = s.replace("\u0000", "\\u0000");
        return t.length() > 300 ? t.substring(0, 300) + "…" : t;
    }
}
