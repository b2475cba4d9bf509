-- Incident and maintenance notices (R-S7): shown to everyone while current;
-- a maintenance notice's window makes the service take no changes.
CREATE TABLE notices (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('incident', 'maintenance')),
    title      TEXT NOT NULL,
    body       TEXT NOT NULL DEFAULT '',
    starts_at  TEXT NOT NULL,             -- RFC 3339 UTC
    ends_at    TEXT,                      -- NULL: until ended (incidents only)
    urgent     INTEGER NOT NULL DEFAULT 0,
    created_by INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX notices_ends ON notices(ends_at);
