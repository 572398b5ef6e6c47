package dev.auditline.datastorage.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.auditline.api.json.AuditJson;
import dev.auditline.api.wire.Problem;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where errors become responses: every non-2xx answer of the server, including
 * Javalin's own 404 and 405 and any unexpected exception, leaves as {@code application/problem+json}.
 */
final class ProblemMapper {
    private static final Logger LOG = LoggerFactory.getLogger(ProblemMapper.class);

    private ProblemMapper() {}

    static void write(Context ctx, ApiProblem e) {
        e.headers().forEach(ctx::header);
        write(ctx, e.problem());
    }

    static void write(Context ctx, Problem problem) {
        Problem withInstance = problem.instance() != null
                ? problem
                : new Problem(
                        problem.type(),
                        problem.title(),
                        problem.status(),
                        problem.detail(),
                        ctx.path(),
                        extensions(problem));
        byte[] body;
        try {
            body = AuditJson.mapper().writeValueAsBytes(withInstance);
        } catch (JsonProcessingException impossible) {
            body = ("{\"title\":\"Internal error\",\"status\":" + problem.status() + "}").getBytes();
        }
        ctx.status(problem.status()).contentType(Problem.MEDIA_TYPE).result(body);
    }

    /** Javalin's own answers: no route (404), wrong method (405), and the like. */
    static void writeJavalin(Context ctx, HttpResponseException e) {
        int status = e.getStatus();
        ApiProblem p =
                switch (status) {
                    case 404 -> ApiProblem.of(
                            404, "not-found", "Not found", "no route for " + ctx.method() + " " + ctx.path());
                    case 405 -> ApiProblem.of(
                            405,
                            "method-not-allowed",
                            "Method not allowed",
                            ctx.method() + " is not allowed on " + ctx.path());
                    default -> ApiProblem.of(
                            status, "http-" + status, e.getMessage() == null ? "HTTP " + status : e.getMessage(), null);
                };
        write(ctx, p);
    }

    static void writeUnexpected(Context ctx, Exception e) {
        LOG.error("Unexpected error on {} {}", ctx.method(), ctx.path(), e);
        write(
                ctx,
                ApiProblem.of(500, "internal-error", "Internal error", "the server failed unexpectedly; see its log")
                        .problem());
    }

    private static Map<String, Object> extensions(Problem p) {
        return p.extensions();
    }
}
