-- Backups taken and how their verification went (issue 8, item 2): shown
-- to admins; the files themselves live in the backup directory.
CREATE TABLE backups (
    id         INTEGER PRIMARY KEY,
    file       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
    size_bytes INTEGER NOT NULL DEFAULT 0,
    sha256     TEXT NOT NULL DEFAULT '',
    counts     TEXT NOT NULL DEFAULT '{}',
    error      TEXT,
    took_ms    INTEGER NOT NULL DEFAULT 0
);
