-- Assignments (必修研修, issue 6 item 4): a course assigned to groups (with
-- their sub-groups, current members) and single users, due on a day.
CREATE TABLE assignments (
    id         INTEGER PRIMARY KEY,
    course_id  INTEGER NOT NULL REFERENCES courses(id),
    due_on     TEXT NOT NULL,            -- YYYY-MM-DD in the service's timezone, included
    note       TEXT NOT NULL DEFAULT '',
    created_by INTEGER,
    created_at TEXT NOT NULL
);

CREATE TABLE assignment_targets (
    assignment_id INTEGER NOT NULL REFERENCES assignments(id),
    group_id      INTEGER,
    user_id       INTEGER,
    CHECK ((group_id IS NULL) <> (user_id IS NULL))
);
CREATE INDEX assignment_targets_assignment ON assignment_targets(assignment_id);
