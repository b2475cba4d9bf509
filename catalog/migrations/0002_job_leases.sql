-- Transcode jobs get explicit leases, retry backoff, and published revisions:
-- a worker writes renditions under videos/{id}/hls/{rev}/ and the video
-- switches to that revision only when the job completes.
ALTER TABLE videos ADD COLUMN lease_until TEXT;   -- a processing job whose lease passed is taken again
ALTER TABLE videos ADD COLUMN not_before TEXT;    -- retry backoff: not claimed before this instant
ALTER TABLE videos ADD COLUMN hls_rev TEXT;       -- the published revision (NULL until ready)
UPDATE videos SET lease_until = claimed_at WHERE status = 'processing';
