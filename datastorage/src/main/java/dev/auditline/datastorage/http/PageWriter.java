package dev.auditline.datastorage.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.auditline.api.AuditEvent;
import dev.auditline.api.json.AuditJson;
import dev.auditline.datastorage.store.EventPage;
import dev.auditline.datastorage.store.LogEntry;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a page of events to the response one event at a time through a Jackson generator, so a
 * page is never held a second time as a JSON tree and a third time as one byte array: the
 * repository already bounded the page by count and bytes, this keeps the copy on the way out small.
 */
final class PageWriter {
    /** One flush at the end, not one per event (Jackson's default for {@code writeValue}). */
    private static final ObjectWriter EVENT =
            AuditJson.mapper().writerFor(AuditEvent.class).without(SerializationFeature.FLUSH_AFTER_WRITE_VALUE);

    private static final Logger LOG = LoggerFactory.getLogger(PageWriter.class);

    private PageWriter() {}

    /** {@code {"events":[…],"next_cursor":…}} followed by {@code extra} members. */
    static void write(Context ctx, EventPage page, Map<String, String> extra) {
        stream(ctx, g -> {
            g.writeStartObject();
            g.writeArrayFieldStart("events");
            for (AuditEvent e : page.events()) {
                EVENT.writeValue(g, e);
            }
            g.writeEndArray();
            g.writeStringField(
                    "next_cursor", page.next() == null ? null : page.next().encode());
            for (Map.Entry<String, String> member : extra.entrySet()) {
                g.writeStringField(member.getKey(), member.getValue());
            }
            g.writeEndObject();
        });
    }

    /**
     * {@code {"entries":[…],"next_after":…,"log_size":…}} of {@code GET /api/v1/audit/log/entries}:
     * {@code next_after} is the last index sent ({@code after} when none), and the log size covers
     * every entry sent.
     */
    static void writeLog(Context ctx, List<LogEntry> entries, long after, long logSize) {
        stream(ctx, g -> {
            long nextAfter = after;
            g.writeStartObject();
            g.writeArrayFieldStart("entries");
            for (LogEntry e : entries) {
                g.writeStartObject();
                g.writeNumberField("log_index", e.logIndex());
                g.writeStringField("event_id", e.eventId().toString());
                if (e.pruned()) {
                    g.writeBooleanField("pruned", true);
                } else {
                    g.writeFieldName("event");
                    EVENT.writeValue(g, e.event());
                }
                g.writeEndObject();
                nextAfter = e.logIndex();
            }
            g.writeEndArray();
            g.writeNumberField("next_after", nextAfter);
            // the size was read after the entries, so it covers them unless another instance's commit
            // raced it; an `after` past the end (no entries) says nothing about the log's size
            g.writeNumberField("log_size", entries.isEmpty() ? logSize : Math.max(logSize, nextAfter + 1));
            g.writeEndObject();
        });
    }

    /** The body, written by {@code body} to a generator on the response stream. */
    private interface Body {
        void writeTo(JsonGenerator g) throws IOException;
    }

    private static void stream(Context ctx, Body body) {
        ctx.status(200).contentType(Json.MEDIA_TYPE);
        try (JsonGenerator g = AuditJson.mapper().getFactory().createGenerator(ctx.outputStream())) {
            body.writeTo(g);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize an answer", e);
        } catch (IOException e) {
            // the client went away mid-answer: the status is sent, nothing is left to tell it
            LOG.debug("Client closed the connection during the answer to {}: {}", ctx.path(), e.toString());
        }
    }
}
