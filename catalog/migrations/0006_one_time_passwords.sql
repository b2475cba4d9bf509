-- Set when an administrator issued a one-time password (or an import did):
-- the user must choose a password of its own before doing anything else.
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
