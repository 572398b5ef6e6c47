-- Runs after every migrate (Flyway callback), as the owner: what DataStorage's runtime role may do,
-- and nothing more. ${runtime_role} is the storage credentials' user, or CURRENT_USER when the
-- same role runs migrations and the server (then these grants change nothing).
GRANT SELECT, INSERT ON audit_events, audit_log TO ${runtime_role};
GRANT SELECT ON audit_partitions TO ${runtime_role};
GRANT USAGE ON SEQUENCE audit_events_ingest_seq TO ${runtime_role};
GRANT EXECUTE ON FUNCTION audit_create_month_partition(date), audit_drop_months_before(date) TO ${runtime_role};
