-- Invitation e-mails (issue 5, item 3): one row per active user an import
-- created while an SMTP server is configured. The clear one-time password is
-- kept only until the e-mail is accepted by the server, the import is undone,
-- or — when delivery failed for good — until the importer downloads it
-- (secure_delete overwrites the freed bytes).
CREATE TABLE invitations (
    id              INTEGER PRIMARY KEY,
    import_id       INTEGER NOT NULL REFERENCES imports(id),
    user_id         INTEGER NOT NULL REFERENCES users(id),
    email           TEXT NOT NULL,
    name            TEXT NOT NULL,
    password        TEXT,
    status          TEXT NOT NULL DEFAULT 'queued'
                    CHECK (status IN ('queued', 'sent', 'failed', 'handed_over', 'withdrawn')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    finished_at     TEXT
);
CREATE INDEX invitations_import ON invitations(import_id);
CREATE INDEX invitations_due ON invitations(next_attempt_at) WHERE status = 'queued';
