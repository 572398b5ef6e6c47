package dev.auditline.datastorage.http;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Names the path parameter of a request Jetty refused before any route ran. Jetty rejects a path
 * with a bad percent-escape ({@code /api/v1/audit/events/%zz}) or bytes that are not UTF-8 while it
 * parses the request line, so no route sees it; this maps the raw path back to the route's
 * parameter, so the answer names it as a bad query parameter's answer does. A pure function of the
 * raw path.
 */
final class PathParameters {
    /** Every route with a path parameter, by its template. */
    private static final List<String> TEMPLATES =
            List.of(QueryRoutes.BY_ID, KubernetesRoutes.AUDIT, ViewerRoutes.ASSET);

    private static final Pattern PARAMETER = Pattern.compile("\\{([a-z_]+)}");

    private record Template(Pattern pattern, String parameter) {}

    private static final List<Template> COMPILED =
            TEMPLATES.stream().map(PathParameters::compile).toList();

    private PathParameters() {}

    /**
     * The {@code 400} problem naming the path parameter of {@code rawPath} (as sent, still
     * percent-encoded), or empty when the path is no route's or its parameter decodes well.
     *
     * @param refusal what Jetty said, for a parameter that decodes but was refused all the same (a NUL)
     */
    static Optional<ApiProblem> problem(String rawPath, String refusal) {
        if (rawPath == null) {
            return Optional.empty();
        }
        for (Template t : COMPILED) {
            Matcher m = t.pattern().matcher(rawPath);
            if (m.matches()) {
                String raw = m.group(1);
                try {
                    String decoded = QueryString.decode(raw.replace("+", "%2B"), t.parameter());
                    return Optional.of(ApiProblem.badParameter(
                            t.parameter(),
                            "refused in the path" + (refusal == null ? "" : " (" + refusal + ")") + " (got \""
                                    + QueryString.shorten(decoded) + "\")"));
                } catch (ApiProblem p) {
                    return Optional.of(p);
                }
            }
        }
        return Optional.empty();
    }

    private static Template compile(String template) {
        Matcher m = PARAMETER.matcher(template);
        if (!m.find()) {
            throw new IllegalArgumentException("route " + template + " has no path parameter");
        }
        String regex = Pattern.quote(template.substring(0, m.start())) + "([^/]*)"
                + Pattern.quote(template.substring(m.end()));
        return new Template(Pattern.compile(regex), m.group(1));
    }
}
