package dev.auditline.datastorage.http;

import dev.auditline.datastorage.auth.Permission;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;

/**
 * One row of a feature's route table.
 *
 * @param permission what an authenticated client needs; {@code null} means any authenticated
 *     client; ignored for routes outside {@code /api} and {@code /ui/api}, which are always open
 */
record Route(HandlerType method, String path, Permission permission, Handler handler) {
    boolean isApi() {
        return path.startsWith("/api/") || path.startsWith("/ui/api/");
    }
}
