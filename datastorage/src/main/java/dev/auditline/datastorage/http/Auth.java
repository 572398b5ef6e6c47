package dev.auditline.datastorage.http;

import dev.auditline.datastorage.auth.Authenticator;
import dev.auditline.datastorage.auth.Client;
import dev.auditline.datastorage.auth.Permission;
import dev.auditline.datastorage.auth.TokensFileUnavailableException;
import io.javalin.http.Context;
import java.util.Optional;

/** Checks the bearer token of {@code /api} requests when a tokens file is configured. */
final class Auth {
    private static final String CLIENT_ATTRIBUTE = "auditline.client";
    private static final String BEARER = "bearer ";
    /** An operator has to fix the file: no point in clients probing every second. */
    static final String AUTH_UNAVAILABLE_RETRY_AFTER_SECONDS = "5";

    private final Authenticator authenticator;

    /** @param authenticator {@code null} runs the API open */
    Auth(Authenticator authenticator) {
        this.authenticator = authenticator;
    }

    void check(Context ctx, Permission needed) {
        if (authenticator == null) {
            return;
        }
        String header = ctx.header("Authorization");
        if (header == null || header.length() <= BEARER.length() || !header.regionMatches(true, 0, BEARER, 0, 7)) {
            throw unauthorized("an Authorization: Bearer <token> header is required");
        }
        Optional<Client> client;
        try {
            client =
                    authenticator.authenticate(header.substring(BEARER.length()).trim());
        } catch (TokensFileUnavailableException e) {
            // fail closed, but as unavailable: clients keep their events and retry instead of dropping them
            throw ApiProblem.of(
                            503,
                            "auth-unavailable",
                            "Auth unavailable",
                            "the server's tokens file is invalid or missing, so no token is accepted; retry after"
                                    + " the Retry-After delay")
                    .header("Retry-After", AUTH_UNAVAILABLE_RETRY_AFTER_SECONDS);
        }
        if (client.isEmpty()) {
            throw unauthorized("the bearer token is not known to this server");
        }
        AccessLog.client(ctx, client.get().name());
        if (needed != null && !client.get().may(needed)) {
            throw ApiProblem.of(
                            403,
                            "forbidden",
                            "Forbidden",
                            "client " + client.get().name() + " lacks the " + needed.wireName() + " permission")
                    .with("permission", needed.wireName());
        }
        ctx.attribute(CLIENT_ATTRIBUTE, client.get().name());
    }

    /** The authenticated client's name, {@code null} when auth is off. */
    static String clientName(Context ctx) {
        return ctx.attribute(CLIENT_ATTRIBUTE);
    }

    private static ApiProblem unauthorized(String detail) {
        return ApiProblem.of(401, "unauthorized", "Unauthorized", detail)
                .header("WWW-Authenticate", "Bearer realm=\"auditline\"");
    }
}
