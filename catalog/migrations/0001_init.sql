-- manabi catalog schema, version 1. Times are RFC 3339 UTC text; days are
-- calendar days (YYYY-MM-DD) in the service's timezone.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,          -- normalised, lower case
    name          TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL CHECK (role IN ('admin','manager','editor','learner')),
    status        TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active','disabled')),
    remarks       TEXT NOT NULL DEFAULT '',
    password_hash TEXT,                           -- NULL: cannot log in
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    last_login_at TEXT,
    deleted_at    TEXT                            -- in the trash when set
);

CREATE TABLE groups (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    parent_id  INTEGER REFERENCES groups(id),
    created_at TEXT NOT NULL,
    UNIQUE (parent_id, name)
);

CREATE TABLE group_members (
    group_id INTEGER NOT NULL REFERENCES groups(id),
    user_id  INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members(user_id);

CREATE TABLE group_managers (
    group_id INTEGER NOT NULL REFERENCES groups(id),
    user_id  INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (group_id, user_id)
);

-- Login sessions: only the SHA-256 of the cookie value is stored.
CREATE TABLE login_sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    csrf_token   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
);
CREATE INDEX login_sessions_user ON login_sessions(user_id);

CREATE TABLE categories (
    id       INTEGER PRIMARY KEY,
    slug     TEXT NOT NULL UNIQUE,
    name     TEXT NOT NULL,
    name_en  TEXT NOT NULL,
    position INTEGER NOT NULL
);

CREATE TABLE videos (
    id           INTEGER PRIMARY KEY,
    title        TEXT NOT NULL,
    uploaded_by  INTEGER NOT NULL REFERENCES users(id),
    size_bytes   INTEGER NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('uploading','queued','processing','ready','failed')),
    progress     REAL NOT NULL DEFAULT 0,
    duration_s   REAL,
    renditions   TEXT NOT NULL DEFAULT '[]',       -- JSON array written by the transcoder
    error        TEXT,
    attempts     INTEGER NOT NULL DEFAULT 0,
    claimed_at   TEXT,                             -- a job whose claim is stale is taken again
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX videos_status ON videos(status);

CREATE TABLE courses (
    id           INTEGER PRIMARY KEY,
    category_id  INTEGER NOT NULL REFERENCES categories(id),
    title        TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft','published')),
    created_by   INTEGER NOT NULL REFERENCES users(id),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    published_at TEXT
);

CREATE TABLE lessons (
    id        INTEGER PRIMARY KEY,
    course_id INTEGER NOT NULL REFERENCES courses(id),
    position  INTEGER NOT NULL,
    title     TEXT NOT NULL,
    video_id  INTEGER NOT NULL REFERENCES videos(id)
);
CREATE INDEX lessons_course ON lessons(course_id, position);
CREATE INDEX lessons_video ON lessons(video_id);

-- One playback of one video by one user.
CREATE TABLE playback_sessions (
    id                TEXT PRIMARY KEY,
    user_id           INTEGER NOT NULL REFERENCES users(id),
    video_id          INTEGER NOT NULL REFERENCES videos(id),
    site              TEXT NOT NULL,
    started_at        TEXT NOT NULL,
    last_heartbeat_at TEXT NOT NULL,
    last_seq          INTEGER NOT NULL DEFAULT 0,
    position_s        REAL NOT NULL DEFAULT 0,
    grant_expires_at  TEXT NOT NULL,
    ended_at          TEXT
);
CREATE INDEX playback_sessions_user_video ON playback_sessions(user_id, video_id, started_at);

-- Raw heartbeat ledger, append only.
CREATE TABLE heartbeats (
    session_id   TEXT NOT NULL REFERENCES playback_sessions(id),
    seq          INTEGER NOT NULL,
    received_at  TEXT NOT NULL,
    position_s   REAL NOT NULL,
    played       TEXT NOT NULL,          -- JSON [[from,to],…] as sent
    rate         REAL NOT NULL,
    credited_ms  INTEGER NOT NULL,
    PRIMARY KEY (session_id, seq)
);

-- Per user: the instant up to which viewing time has been credited, so that
-- two tabs playing at once are not credited twice.
CREATE TABLE viewing_clock (
    user_id        INTEGER PRIMARY KEY REFERENCES users(id),
    credited_until TEXT NOT NULL
);

-- Rollup per user × video × day, maintained in the heartbeat's transaction.
CREATE TABLE viewing_daily (
    user_id     INTEGER NOT NULL REFERENCES users(id),
    video_id    INTEGER NOT NULL REFERENCES videos(id),
    day         TEXT NOT NULL,
    credited_ms INTEGER NOT NULL,
    PRIMARY KEY (user_id, video_id, day)
);
CREATE INDEX viewing_daily_day ON viewing_daily(day, user_id);

CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    actor_id   INTEGER REFERENCES users(id),
    action     TEXT NOT NULL,
    target     TEXT NOT NULL DEFAULT '',
    detail     TEXT NOT NULL DEFAULT '{}',
    client     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log(at);
