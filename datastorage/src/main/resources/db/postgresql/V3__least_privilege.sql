-- Least privilege: DataStorage's runtime role may only INSERT and SELECT (grants in
-- afterMigrate__runtime_grants.sql, renewed at each start). Everything else stays with the role
-- that runs the migrations (the owner): creating and dropping monthly partitions goes through the
-- two SECURITY DEFINER functions below, with a fixed search_path, so the runtime role never needs
-- DDL rights; TRUNCATE is refused by a trigger even for the owner, and by privileges for everyone
-- else.

REVOKE ALL ON audit_events, audit_log, audit_event_ids FROM PUBLIC;
REVOKE ALL ON SEQUENCE audit_events_ingest_seq FROM PUBLIC;

CREATE TRIGGER audit_events_no_truncate
    BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_reject_change();

-- A statement trigger on the partitioned table does not fire for TRUNCATE of one partition, so
-- every partition gets its own (the partition function adds it to new ones).
DO $$
DECLARE
    part regclass;
BEGIN
    FOR part IN SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'audit_events'::regclass LOOP
        EXECUTE format('CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON %s'
                       ' FOR EACH STATEMENT EXECUTE FUNCTION audit_events_reject_change()', part);
    END LOOP;
END;
$$;

-- The monthly partitions by their first day: the application reads months as values here instead
-- of parsing partition names.
CREATE TABLE audit_partitions (
    month date NOT NULL PRIMARY KEY CHECK (month = date_trunc('month', month)::date)
);
REVOKE ALL ON audit_partitions FROM PUBLIC;

INSERT INTO audit_partitions (month)
SELECT to_date(substr(c.relname, length('audit_events_') + 1), 'YYYY_MM')
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'audit_events'::regclass AND c.relname ~ '^audit_events_[0-9]{4}_[0-9]{2}$';

-- Creates the partition of one month (given by its first day) unless it exists; true when created.
CREATE FUNCTION audit_create_month_partition(p_month date) RETURNS boolean
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = ${flyway:defaultSchema}, pg_temp
    SET lock_timeout = '5s'
AS
$$
DECLARE
    part text := 'audit_events_' || to_char(p_month, 'YYYY_MM');
BEGIN
    IF p_month IS NULL OR p_month <> date_trunc('month', p_month)::date THEN
        RAISE EXCEPTION 'p_month must be the first day of a month (got %)', p_month;
    END IF;
    -- one DDL writer at a time across DataStorage instances
    PERFORM pg_advisory_xact_lock(418581342580);
    IF EXISTS (SELECT 1 FROM audit_partitions WHERE month = p_month) THEN
        RETURN false;
    END IF;
    EXECUTE format('CREATE TABLE %I PARTITION OF audit_events FOR VALUES FROM (%L) TO (%L)',
                   part, p_month, (p_month + interval '1 month')::date);
    EXECUTE format('CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON %I'
                   ' FOR EACH STATEMENT EXECUTE FUNCTION audit_events_reject_change()', part);
    INSERT INTO audit_partitions (month) VALUES (p_month);
    RETURN true;
END;
$$;

-- Retention: drops the partitions of the months that ended on or before p_cutoff, which may not
-- lie in the future; returns those months. audit_log keeps every leaf.
CREATE FUNCTION audit_drop_months_before(p_cutoff date) RETURNS SETOF date
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = ${flyway:defaultSchema}, pg_temp
    SET lock_timeout = '5s'
AS
$$
DECLARE
    m date;
BEGIN
    IF p_cutoff IS NULL OR p_cutoff > current_date THEN
        RAISE EXCEPTION 'p_cutoff must not lie in the future (got %)', p_cutoff;
    END IF;
    PERFORM pg_advisory_xact_lock(418581342580);
    FOR m IN SELECT month FROM audit_partitions
             WHERE (month + interval '1 month')::date <= p_cutoff ORDER BY month LOOP
        EXECUTE format('DROP TABLE %I', 'audit_events_' || to_char(m, 'YYYY_MM'));
        DELETE FROM audit_partitions WHERE month = m;
        RETURN NEXT m;
    END LOOP;
END;
$$;

REVOKE ALL ON FUNCTION audit_create_month_partition(date), audit_drop_months_before(date) FROM PUBLIC;
