package dev.auditline.datastorage.auth;

import java.util.Set;

/** An authenticated caller: its name (stored as {@code ingested_by}) and what it may do. */
public record Client(String name, Set<Permission> permissions) {
    public Client {
        permissions = Set.copyOf(permissions);
    }

    public boolean may(Permission permission) {
        return permissions.contains(permission);
    }
}
