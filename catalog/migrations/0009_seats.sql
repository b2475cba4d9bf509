-- Licensed seats (issue 5, item 8): the most active users seen on each day
-- (in the service's timezone), and the licence in force that day.
CREATE TABLE seat_days (
    day      TEXT PRIMARY KEY,   -- YYYY-MM-DD
    active   INTEGER NOT NULL,
    licensed INTEGER NOT NULL
);
