package dev.auditline.datastorage.http;

import dev.auditline.api.wire.Problem;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Thrown by handlers to end a request with an RFC 7807 problem; {@link ProblemMapper} writes it.
 * Carries the response headers that belong to the problem ({@code Retry-After}).
 */
final class ApiProblem extends RuntimeException {
    private static final long serialVersionUID = 1L;
    static final String TYPE_BASE = "https://auditline.dev/problems/";

    private final transient Problem problem;
    private final Map<String, String> headers;

    private ApiProblem(Problem problem, Map<String, String> headers) {
        super(problem.status() + " " + problem.title() + ": " + problem.detail(), null, false, false);
        this.problem = problem;
        this.headers = Map.copyOf(headers);
    }

    /** {@code slug} names the problem type: {@code https://auditline.dev/problems/{slug}}. */
    static ApiProblem of(int status, String slug, String title, String detail) {
        return new ApiProblem(new Problem(TYPE_BASE + slug, title, status, detail, null), Map.of());
    }

    static ApiProblem badRequest(String slug, String detail) {
        return of(400, slug, "Bad request", detail);
    }

    /** A {@code 400} about one query or path parameter, naming it in {@code parameter}. */
    static ApiProblem badParameter(String parameter, String detail) {
        return of(400, "invalid-parameter", "Invalid parameter", parameter + ": " + detail)
                .with("parameter", parameter);
    }

    ApiProblem with(String member, Object value) {
        return new ApiProblem(problem.with(member, value), headers);
    }

    ApiProblem header(String name, String value) {
        Map<String, String> copy = new LinkedHashMap<>(headers);
        copy.put(name, value);
        return new ApiProblem(problem, copy);
    }

    Problem problem() {
        return problem;
    }

    Map<String, String> headers() {
        return headers;
    }
}
