-- The raw heartbeat ledger is append-only, as the audit log: reports can
-- always be recomputed from it, so nothing may change or remove an entry.
CREATE TRIGGER heartbeats_no_update BEFORE UPDATE ON heartbeats
BEGIN
    SELECT RAISE(ABORT, 'the heartbeat ledger is append-only');
END;

CREATE TRIGGER heartbeats_no_delete BEFORE DELETE ON heartbeats
BEGIN
    SELECT RAISE(ABORT, 'the heartbeat ledger is append-only');
END;
