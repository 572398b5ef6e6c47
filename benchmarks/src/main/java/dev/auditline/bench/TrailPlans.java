package dev.auditline.bench;

import dev.auditline.datastorage.store.EventQuery;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

/** The trail query's plans as PostgreSQL runs them, one-off and prepared, printed before a {@link TrailQueryRun}. */
final class TrailPlans {
    private TrailPlans() {}

    /** The plan of the trail query as the repository issues it (literal id, for EXPLAIN). */
    static String explain(BenchPostgres pg, String correlationId) throws Exception {
        StringBuilder plan =
                new StringBuilder("EXPLAIN (ANALYZE, BUFFERS) of the trail query for " + correlationId + ":\n");
        try (Connection c = pg.connect(TrailTable.SCHEMA);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM audit_events"
                        + " WHERE correlation_id = '" + correlationId + "'"
                        + " ORDER BY event_timestamp ASC, event_id ASC LIMIT " + (EventQuery.DEFAULT_LIMIT + 1))) {
            while (rs.next()) {
                plan.append("  ").append(rs.getString(1)).append('\n');
            }
        }
        return plan.toString();
    }

    /**
     * The plan a warm connection runs: the trail query prepared with a parameter, executed six
     * times (PostgreSQL plans the first five for their values, then compares them with a generic
     * plan), then explained. Planning time near zero means the cached generic plan is reused.
     */
    static String explainPrepared(BenchPostgres pg, String correlationId) throws Exception {
        StringBuilder plan = new StringBuilder(
                "EXPLAIN (ANALYZE, BUFFERS) EXECUTE of the prepared trail query after 6 executions, for "
                        + correlationId + ":\n");
        try (Connection c = pg.connect(TrailTable.SCHEMA);
                Statement s = c.createStatement()) {
            s.execute("PREPARE trail(text) AS SELECT * FROM audit_events WHERE correlation_id = $1"
                    + " ORDER BY event_timestamp ASC, event_id ASC LIMIT " + (EventQuery.DEFAULT_LIMIT + 1));
            for (int i = 0; i < 6; i++) {
                s.execute("EXECUTE trail('" + TrailTable.correlationId(i * 7919L) + "')");
            }
            try (ResultSet rs = s.executeQuery("EXPLAIN (ANALYZE, BUFFERS) EXECUTE trail('" + correlationId + "')")) {
                while (rs.next()) {
                    plan.append("  ").append(rs.getString(1)).append('\n');
                }
            }
        }
        return plan.toString();
    }

    static int countOccurrences(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length())) {
            n++;
        }
        return n;
    }
}
