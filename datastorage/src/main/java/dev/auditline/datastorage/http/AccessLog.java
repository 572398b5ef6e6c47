package dev.auditline.datastorage.http;

import io.javalin.http.Context;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.RequestLog;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.NanoTime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One INFO line per request on the logger {@value #LOGGER}, written by Jetty when the response is
 * complete, so requests refused before any route ran (401, 403, 408, 413, 429, malformed ones) leave
 * a trace too:
 *
 * <pre>
 * method=POST route=/api/v1/audit/events/batch status=401 client=- remote=127.0.0.1 request_bytes=812 response_bytes=164 duration_ms=3
 * </pre>
 *
 * The route is the matched template, never the concrete path or its query string (a query can hold
 * a secret someone pasted into a URL); {@code -} when no route matched. {@code client} is the
 * token's client name, {@code -} without one. A request refused before its route ran ends with
 * {@code refused=} and the reason (body_budget, data_rate, body_timeout, idle_timeout, too_large).
 */
final class AccessLog implements RequestLog {
    static final String LOGGER = "dev.auditline.datastorage.access";
    private static final Logger LOG = LoggerFactory.getLogger(LOGGER);
    private static final String ATTRIBUTE = "dev.auditline.access";

    /** What only the routing layer knows, filled in as the request goes. */
    static final class Entry {
        volatile String route;
        volatile String client;
        volatile String refused;
    }

    /** Attaches a fresh entry to a request entering the server; called once, by the outermost handler. */
    static void attach(Request request) {
        request.setAttribute(ATTRIBUTE, new Entry());
    }

    static void note(Request request, String refusedReason) {
        if (request.getAttribute(ATTRIBUTE) instanceof Entry e) {
            e.refused = refusedReason;
        }
    }

    static void route(Context ctx, String template) {
        if (ctx.req().getAttribute(ATTRIBUTE) instanceof Entry e) {
            e.route = template;
        }
    }

    static void client(Context ctx, String name) {
        if (ctx.req().getAttribute(ATTRIBUTE) instanceof Entry e) {
            e.client = name;
        }
    }

    @Override
    public void log(Request request, Response response) {
        if (!LOG.isInfoEnabled()) {
            return;
        }
        Entry e = request.getAttribute(ATTRIBUTE) instanceof Entry entry ? entry : new Entry();
        StringBuilder line = new StringBuilder(160)
                .append("method=")
                .append(token(request.getMethod()))
                .append(" route=")
                .append(e.route == null ? "-" : e.route)
                .append(" status=")
                .append(response.getStatus())
                .append(" client=")
                .append(e.client == null ? "-" : token(e.client))
                .append(" remote=")
                .append(Request.getRemoteAddr(request))
                .append(" request_bytes=")
                .append(Request.getContentBytesRead(request))
                .append(" response_bytes=")
                .append(Response.getContentBytesWritten(response))
                .append(" duration_ms=")
                .append(NanoTime.millisSince(request.getBeginNanoTime()));
        if (e.refused != null) {
            line.append(" refused=").append(e.refused);
        }
        LOG.info(line.toString());
    }

    /** A value as one printable token: a method or a client name cannot break the line or forge fields. */
    private static String token(String s) {
        if (s == null || s.isEmpty()) {
            return "-";
        }
        StringBuilder b = new StringBuilder(Math.min(s.length(), 64));
        for (int i = 0; i < s.length() && i < 64; i++) {
            char c = s.charAt(i);
            b.append(c > ' ' && c < 127 && c != '=' ? c : '_');
        }
        return b.toString();
    }
}
