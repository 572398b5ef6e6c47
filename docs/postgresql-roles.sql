-- Two PostgreSQL roles for DataStorage (PostgreSQL 15 or later): auditline_owner runs the
-- migrations and owns the schema; auditline_app is what the server connects as, and may only
-- INSERT and SELECT (DataStorage grants exactly that at each start, as the owner).
-- Run as a superuser (or a role with CREATEROLE that owns the database), connected to the
-- database DataStorage will use, e.g.  psql -d audit -f postgresql-roles.sql
-- Change both passwords, and keep the owner's credentials file readable only by whoever starts
-- DataStorage.

CREATE ROLE auditline_owner LOGIN PASSWORD 'change-me-owner';
CREATE ROLE auditline_app LOGIN PASSWORD 'change-me-app';

-- Since PostgreSQL 15 ordinary roles may no longer create objects in the public schema; the
-- audit trail gets a schema of its own, owned by the owner. Nobody else may create in it, and
-- the app may only look names up there.
CREATE SCHEMA audit AUTHORIZATION auditline_owner;
REVOKE ALL ON SCHEMA audit FROM PUBLIC;
GRANT USAGE ON SCHEMA audit TO auditline_app;

-- The PostgreSQL 15 default, stated for clusters upgraded from an older version.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

-- Functions the owner creates are not callable by every role (PostgreSQL's default grants EXECUTE
-- to PUBLIC); the migrations grant the app the two partition functions it needs.
ALTER DEFAULT PRIVILEGES FOR ROLE auditline_owner REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

-- Both roles find DataStorage's tables in the audit schema.
ALTER ROLE auditline_owner SET search_path = audit;
ALTER ROLE auditline_app SET search_path = audit;
