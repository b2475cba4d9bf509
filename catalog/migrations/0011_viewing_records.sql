-- Learning records (issue 6).

-- Who was in which group when: reports by group count a day's viewing for
-- the groups the user belonged to that day, so an April transfer does not
-- rewrite March. Kept by triggers, whatever path changes a membership.
CREATE TABLE membership_history (
    group_id  INTEGER NOT NULL,
    user_id   INTEGER NOT NULL,
    joined_at TEXT NOT NULL,   -- UTC
    left_at   TEXT             -- UTC; NULL: still a member
);
CREATE INDEX membership_history_group ON membership_history(group_id, user_id);
CREATE INDEX membership_history_user ON membership_history(user_id);
-- Memberships that exist now have existed as far as the records know.
INSERT INTO membership_history (group_id, user_id, joined_at)
    SELECT group_id, user_id, '1970-01-01T00:00:00Z' FROM group_members;
CREATE TRIGGER group_members_joined AFTER INSERT ON group_members
BEGIN
    INSERT INTO membership_history (group_id, user_id, joined_at)
    VALUES (NEW.group_id, NEW.user_id, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));
END;
CREATE TRIGGER group_members_left AFTER DELETE ON group_members
BEGIN
    UPDATE membership_history SET left_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
    WHERE group_id = OLD.group_id AND user_id = OLD.user_id AND left_at IS NULL;
END;

-- Coverage per user × video: one bit per second played at least once
-- (catalog/src/coverage.rs), kept in the heartbeat's transaction.
CREATE TABLE viewing_progress (
    user_id         INTEGER NOT NULL REFERENCES users(id),
    video_id        INTEGER NOT NULL REFERENCES videos(id),
    seconds         BLOB NOT NULL,
    covered         INTEGER NOT NULL,
    length_s        INTEGER NOT NULL,  -- the video's seconds the bits describe
    first_viewed_at TEXT NOT NULL,
    last_viewed_at  TEXT NOT NULL,
    completed_at    TEXT,
    PRIMARY KEY (user_id, video_id)
);
CREATE INDEX viewing_progress_video ON viewing_progress(video_id);

-- Playback speed and caption choice follow the user across devices.
CREATE TABLE preferences (
    user_id       INTEGER PRIMARY KEY REFERENCES users(id),
    playback_rate REAL NOT NULL DEFAULT 1,
    captions      TEXT NOT NULL DEFAULT '',   -- a language tag, or '' for off
    updated_at    TEXT NOT NULL
);
