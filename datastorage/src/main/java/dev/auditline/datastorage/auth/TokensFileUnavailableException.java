package dev.auditline.datastorage.auth;

/**
 * The tokens file is invalid or missing, so no token can be checked: the request is refused as
 * unavailable ({@code 503}), never let through and never answered as if the token were unknown.
 */
public final class TokensFileUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TokensFileUnavailableException(String problem) {
        super(problem);
    }
}
