-- The login that started each playback session (its token's SHA-256, as in
-- login_sessions.token_hash). When that login ends (logout, a password
-- change ending the others, the account disabled, deleted or given another
-- role) the session's grant is revoked at the origin at once instead of
-- running out (catalog::playback::revoked). NULL for sessions started
-- before this column: those are revoked when the user has no login left.
ALTER TABLE playback_sessions ADD COLUMN login_hash TEXT;
