-- The viewing clock keeps the wall-clock stretches already credited to each
-- user ("start-end,…" in milliseconds since the epoch) instead of one
-- instant: a short heartbeat from a second tab then takes nothing from the
-- time the first tab played before it (catalog::crediting::Credited). What
-- was credited up to the old instant stays credited.
ALTER TABLE viewing_clock ADD COLUMN credited TEXT NOT NULL DEFAULT '';
UPDATE viewing_clock
   SET credited = '0-' || CAST(ROUND((julianday(credited_until) - 2440587.5) * 86400000.0) AS INTEGER);
ALTER TABLE viewing_clock DROP COLUMN credited_until;

-- Playback sessions whose login ended (logout, password change, account
-- disabled …) are marked so, and their heartbeats refused with 410
-- (catalog::playback::revoke): the heartbeat reads the mark from the row
-- it reads anyway, instead of looking the login up each time.
ALTER TABLE playback_sessions ADD COLUMN ended INTEGER NOT NULL DEFAULT 0;
