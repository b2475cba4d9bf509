-- Viewing time per user × month (YYYY-MM of the service's timezone's days),
-- kept with viewing_daily in the heartbeat's transaction: a year's monthly
-- report for everyone reads 12 rows per user instead of 365 per video.
CREATE TABLE viewing_monthly (
    user_id     INTEGER NOT NULL REFERENCES users(id),
    month       TEXT NOT NULL,
    credited_ms INTEGER NOT NULL,
    PRIMARY KEY (user_id, month)
);
INSERT INTO viewing_monthly (user_id, month, credited_ms)
    SELECT user_id, substr(day, 1, 7), SUM(credited_ms) FROM viewing_daily
    GROUP BY user_id, substr(day, 1, 7);
