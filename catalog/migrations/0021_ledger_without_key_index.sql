-- The heartbeat ledger loses its (session_id, seq) primary key. Repeated and
-- reordered heartbeats are recognised by the session's last_seq in the same
-- transaction (playback::apply), so the key's index checked nothing; but
-- every heartbeat wrote one of its pages, at a place of its own for every
-- session playing, and with the database encrypted each page written costs
-- an encryption and a MAC. The ledger is now appended in order only.
CREATE TABLE heartbeats_ledger (
    session_id   TEXT NOT NULL REFERENCES playback_sessions(id),
    seq          INTEGER NOT NULL,
    received_at  TEXT NOT NULL,
    position_s   REAL NOT NULL,
    played       TEXT NOT NULL,          -- JSON [[from,to],…] as sent
    rate         REAL NOT NULL,
    credited_ms  INTEGER NOT NULL
);
INSERT INTO heartbeats_ledger (session_id, seq, received_at, position_s, played, rate, credited_ms)
    SELECT session_id, seq, received_at, position_s, played, rate, credited_ms
    FROM heartbeats ORDER BY rowid;
-- Dropping a table fires none of its triggers.
DROP TABLE heartbeats;
ALTER TABLE heartbeats_ledger RENAME TO heartbeats;

CREATE TRIGGER heartbeats_no_update BEFORE UPDATE ON heartbeats
BEGIN
    SELECT RAISE(ABORT, 'the heartbeat ledger is append-only');
END;

CREATE TRIGGER heartbeats_no_delete BEFORE DELETE ON heartbeats
BEGIN
    SELECT RAISE(ABORT, 'the heartbeat ledger is append-only');
END;
