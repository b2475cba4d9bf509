-- CSV imports of users (issue 5, item 4). A preview is stored with the file it
-- was planned from, so that apply can plan again and refuse when anything
-- changed; apply records every touched user's state before and after, so that
-- undo can restore it. User ids are not foreign keys: the trash's purge must
-- not be blocked by an old import.
CREATE TABLE imports (
    id             INTEGER PRIMARY KEY,
    created_by     INTEGER,                 -- NULL: the command line
    manager_scope  INTEGER,                 -- planned within this manager's groups; NULL: everyone
    format         TEXT NOT NULL CHECK (format IN ('standard','hr')),
    mode           TEXT NOT NULL CHECK (mode IN ('upsert','sync')),
    encoding       TEXT,                    -- NULL: the bytes were not text
    file_sha256    TEXT NOT NULL,
    file           BLOB,                    -- kept only while the preview can be applied
    plan_sha256    TEXT NOT NULL,           -- digest of the previewed plan
    summary        TEXT NOT NULL,           -- JSON counts per action
    error_rows     TEXT NOT NULL,           -- JSON array of the rows with errors
    mass_disable   TEXT,                    -- JSON, sync imports only
    new_groups     TEXT NOT NULL,           -- JSON array of group paths apply creates
    rows           TEXT NOT NULL,           -- JSON array of the preview rows
    status         TEXT NOT NULL CHECK (status IN ('preview','applied','undone','expired')),
    created_at     TEXT NOT NULL,
    applied_at     TEXT,
    applied_by     INTEGER,
    undone_at      TEXT,
    undone_by      INTEGER,
    created_groups TEXT NOT NULL DEFAULT '[]' -- JSON array of group ids apply created
);

-- Each user an applied import changed: its state before (NULL: created by the
-- import) and after, as JSON {name, role, status, remarks, groups, deleted}.
CREATE TABLE import_changes (
    import_id INTEGER NOT NULL REFERENCES imports(id),
    user_id   INTEGER NOT NULL,
    email     TEXT NOT NULL,
    before    TEXT,
    after     TEXT NOT NULL,
    PRIMARY KEY (import_id, user_id)
);

-- The one-time passwords of the users an import created, as the CSV file to
-- download: deleted when downloaded, when the import is undone, or after 24 h.
CREATE TABLE import_passwords (
    import_id  INTEGER PRIMARY KEY REFERENCES imports(id),
    csv        BLOB NOT NULL,
    created_at TEXT NOT NULL
);
