package dev.auditline.e2e;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

/**
 * The id-set check of a scenario: the ids the producers handed to {@code store()} against the ids
 * in PostgreSQL, compared as sets (counts can balance out a loss against a stray row; sets
 * cannot).
 *
 * @param stored distinct ids handed to {@code store()} (load and probes)
 * @param inDatabase distinct ids in {@code audit_events}
 * @param missing stored but not in the database
 * @param unexpected in the database but never stored by this run
 * @param duplicated rows beyond the first for the same id ({@code rows - distinct ids})
 */
public record IdCheck(long stored, long inDatabase, long missing, long unexpected, long duplicated) {

    /** Compares {@code stored} with {@code inDatabase}; {@code rows} is the table's row count. */
    public static IdCheck of(Set<UUID> stored, Set<UUID> inDatabase, long rows) {
        Set<UUID> missing = new HashSet<>(stored);
        missing.removeAll(inDatabase);
        Set<UUID> unexpected = new HashSet<>(inDatabase);
        unexpected.removeAll(stored);
        return new IdCheck(
                stored.size(), inDatabase.size(), missing.size(), unexpected.size(), rows - inDatabase.size());
    }

    /** Every stored id is in the database once, and nothing else is. */
    public boolean exact() {
        return missing == 0 && unexpected == 0 && duplicated == 0 && stored == inDatabase;
    }

    @Override
    public String toString() {
        return "stored " + stored + ", in PostgreSQL " + inDatabase + ": missing " + missing + ", unexpected "
                + unexpected + ", duplicated " + duplicated;
    }
}
