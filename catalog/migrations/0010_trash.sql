-- The trash (issue 5, item 5). Users, courses and videos stay in their
-- tables with `deleted_at` set: their learning history keeps pointing at
-- them, and every list leaves them out. A group is taken out of the tree
-- (with its sub-groups, members and managers) and kept as a snapshot in
-- `trash`, so the many queries over the tree need not know about it.
-- Purging a user erases its personal data but keeps the row, so that
-- viewing records and the audit log keep their meaning; purging a video
-- deletes its media.
ALTER TABLE users ADD COLUMN deleted_by INTEGER;
ALTER TABLE users ADD COLUMN purged_at TEXT;
ALTER TABLE courses ADD COLUMN deleted_at TEXT;
ALTER TABLE courses ADD COLUMN deleted_by INTEGER;
ALTER TABLE videos ADD COLUMN deleted_at TEXT;
ALTER TABLE videos ADD COLUMN deleted_by INTEGER;
ALTER TABLE videos ADD COLUMN purged_at TEXT;

CREATE TABLE trash (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('group')),
    object_id  INTEGER NOT NULL,
    label      TEXT NOT NULL,        -- the group's path, typed to purge early
    snapshot   TEXT NOT NULL,        -- JSON: the rows restore puts back
    deleted_at TEXT NOT NULL,
    deleted_by INTEGER,
    UNIQUE (kind, object_id)
);
