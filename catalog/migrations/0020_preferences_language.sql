-- The interface language follows the user across devices too.
ALTER TABLE preferences ADD COLUMN language TEXT NOT NULL DEFAULT 'ja'
    CHECK (language IN ('ja', 'en'));
