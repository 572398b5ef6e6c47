package dev.auditline.api.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.auditline.api.AuditEvent;
import dev.auditline.api.FieldViolation;
import dev.auditline.api.ValidationLimits;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Turns an untrusted request body into {@link AuditEvent}s, each with the list of every rule it
 * breaks, in one streaming pass: no tree of the body is built, each item is decoded field by field
 * and its {@code event_data} is measured while it is copied. Wrong JSON types, unknown or repeated
 * fields, bad text and out-of-window timestamps are all reported per item, so one bad event never
 * fails a batch; only a body that cannot be read as a whole is refused ({@link BodyRefusal}).
 */
public final class EventDecoder {
    /**
     * The body parser: nesting bounded for the whole document; numbers of any length are read as
     * text, so an overlong number is an item's violation naming the number limit.
     */
    private static final JsonFactory BODY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(AuditJson.MAX_DOCUMENT_DEPTH)
                    .maxNumberLength(Integer.MAX_VALUE)
                    .build())
            .build();

    private final ValidationLimits limits;
    private final ItemDecoder items;

    public EventDecoder(ValidationLimits limits) {
        this.limits = limits;
        this.items = new ItemDecoder(limits);
    }

    /** The outcome for one item: exactly one of {@code event} and a non-empty {@code violations}. */
    public record Decoded(AuditEvent event, UUID eventId, List<FieldViolation> violations) {
        public boolean valid() {
            return event != null;
        }
    }

    /**
     * Decodes a batch body {@code {"events":[…]}}: one result per item, in order.
     *
     * @throws BodyRefusal when the body is not UTF-8 JSON, not a batch, holds no events or more
     *     than {@code maxBatchSize}
     */
    public List<Decoded> decodeBatch(byte[] body, Instant now, int maxBatchSize) {
        return read(body, in -> batch(in, now, maxBatchSize));
    }

    /**
     * As {@link #decodeBatch(byte[], Instant, int)}, reading {@code body} to its end as it goes, so
     * a body decompressed on the fly is never held whole. The stream is not closed.
     *
     * @throws UncheckedIOException carrying what reading {@code body} threw
     */
    public List<Decoded> decodeBatch(InputStream body, Instant now, int maxBatchSize) {
        PushbackInputStream in = new PushbackInputStream(body, 4);
        try {
            byte[] start = in.readNBytes(4);
            in.unread(start);
            AuditJson.requireUtf8(start); // looks at the first four bytes only
            try (JsonParser parser = BODY.createParser(in)) {
                parser.disable(JsonParser.Feature.AUTO_CLOSE_SOURCE);
                return read(parser, p -> batch(p, now, maxBatchSize));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<Decoded> batch(JsonParser in, Instant now, int maxBatchSize) throws IOException {
        if (in.nextToken() != JsonToken.START_OBJECT) {
            throw notABatch();
        }
        List<Decoded> out = null;
        for (JsonToken t = in.nextToken(); t == JsonToken.FIELD_NAME; t = in.nextToken()) {
            String name = in.currentName();
            JsonToken value = in.nextToken();
            if (!name.equals("events")) {
                in.skipChildren(); // other members of the envelope are ignored, as before
                continue;
            }
            if (out != null) {
                throw BodyRefusal.batch("duplicate key: \"events\" may appear only once in the body");
            }
            if (value != JsonToken.START_ARRAY) {
                throw notABatch();
            }
            out = events(in, now, maxBatchSize);
        }
        if (out == null) {
            throw notABatch();
        }
        if (out.isEmpty()) {
            throw BodyRefusal.batch("events: the batch holds no events");
        }
        return out;
    }

    private List<Decoded> events(JsonParser in, Instant now, int maxBatchSize) throws IOException {
        List<Decoded> out = new ArrayList<>();
        int count = 0;
        for (JsonToken t = in.nextToken(); t != JsonToken.END_ARRAY; t = in.nextToken()) {
            count++;
            if (count > maxBatchSize) {
                // past the limit nothing is decoded any more; the items are only counted for the message
                in.skipChildren();
                continue;
            }
            out.add(items.decode(in, now));
        }
        if (count > maxBatchSize) {
            throw new BodyRefusal(
                    "batch-too-large",
                    "events: must hold at most max_batch_size " + maxBatchSize + " events (got " + count
                            + "); split the batch",
                    "events",
                    (long) maxBatchSize);
        }
        return out;
    }

    private static BodyRefusal notABatch() {
        return BodyRefusal.batch("the body must be a JSON object with an \"events\" array");
    }

    /**
     * Decodes a body holding one event.
     *
     * @throws BodyRefusal when the body is not one UTF-8 JSON value
     */
    public Decoded decodeSingle(byte[] body, Instant now) {
        return read(body, in -> {
            in.nextToken();
            return items.decode(in, now);
        });
    }

    /**
     * Decodes and validates one item given as a tree, checking the timestamp window against
     * {@code now}. An item without {@code event_id} gets a new UUIDv7 (and so is never deduplicated).
     */
    public Decoded decode(JsonNode item, Instant now) {
        if (item == null || item.isMissingNode()) {
            return new Decoded(null, null, List.of(new FieldViolation("event", "must be a JSON object (got nothing)")));
        }
        try (JsonParser in = item.traverse()) {
            in.nextToken();
            return items.decode(in, now);
        } catch (IOException e) {
            throw new UncheckedIOException("a tree is always readable", e);
        }
    }

    private interface BodyReader<T> {
        T read(JsonParser in) throws IOException;
    }

    private static <T> T read(byte[] body, BodyReader<T> reader) {
        AuditJson.requireUtf8(body);
        try (JsonParser in = BODY.createParser(body)) {
            return read(in, reader);
        } catch (IOException e) {
            throw new UncheckedIOException("reading a byte array", e);
        }
    }

    /** Runs {@code reader} on the whole document; the refusal for JSON that breaks a reader's limit. */
    private static <T> T read(JsonParser in, BodyReader<T> reader) throws IOException {
        try {
            T result = reader.read(in);
            if (in.nextToken() != null) {
                throw BodyRefusal.body("the body holds more than one JSON value");
            }
            return result;
        } catch (StreamConstraintsException e) {
            if (e.getOriginalMessage().contains("nesting depth")) {
                throw BodyRefusal.body(
                        "the body nests deeper than " + AuditJson.MAX_DOCUMENT_DEPTH + " levels: "
                                + shorten(e.getOriginalMessage()),
                        AuditJson.MAX_DOCUMENT_DEPTH);
            }
            throw BodyRefusal.body("the body is past a limit of the JSON reader: " + shorten(e.getOriginalMessage()));
        } catch (JsonProcessingException e) {
            throw BodyRefusal.body("the body is not valid JSON in UTF-8: " + shorten(e.getOriginalMessage()));
        }
    }

    static String shorten(String s) {
        if (s == null) {
            return "";
        }
        String t = s.replace("\u0000", "\\u0000");
        return t.length() > 300 ? t.substring(0, 300) + "…" : t;
    }
}
