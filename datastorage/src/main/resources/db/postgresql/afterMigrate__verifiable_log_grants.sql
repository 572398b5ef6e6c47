-- Runs after every migrate (Flyway callback, after afterMigrate__runtime_grants.sql), as the owner:
-- the verifiable log's tables are insert-and-read for DataStorage's runtime role, like audit_log.
GRANT SELECT, INSERT ON log_tree_strip, log_checkpoint, log_retention_record TO ${runtime_role};
