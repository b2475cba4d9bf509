-- The audit log records the request that made each change, and is
-- append-only: the database itself refuses to change or delete an entry.
ALTER TABLE audit_log ADD COLUMN request_id TEXT NOT NULL DEFAULT '';
CREATE INDEX audit_log_action ON audit_log(action, at);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
