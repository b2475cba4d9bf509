-- Coverage in chunks of 4,096 seconds (512 bytes of bitmap) per user ×
-- video. A heartbeat rewrites the one small row its seconds fall in, not
-- the whole bitmap (4.5 KB for a 10-hour video, over two pages). Right
-- after this script the bitmaps move here from viewing_progress.seconds,
-- which is then dropped (catalog::playback::move_coverage_into_chunks).
CREATE TABLE coverage_chunks (
    user_id  INTEGER NOT NULL,
    video_id INTEGER NOT NULL,
    chunk    INTEGER NOT NULL,           -- seconds chunk × 4096 … + 4095
    bits     BLOB NOT NULL,              -- catalog::coverage::Stored
    PRIMARY KEY (user_id, video_id, chunk)
) WITHOUT ROWID;
