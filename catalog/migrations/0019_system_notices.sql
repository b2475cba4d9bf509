-- Notices the service raises itself (a failed backup): shown to admins only,
-- ended by the service once the cause is gone.
ALTER TABLE notices ADD COLUMN audience TEXT NOT NULL DEFAULT 'everyone'
    CHECK (audience IN ('everyone', 'admins'));
ALTER TABLE notices ADD COLUMN raised_by TEXT;  -- NULL: an admin; 'backup': the backups
