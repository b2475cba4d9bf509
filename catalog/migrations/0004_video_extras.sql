-- What a transcode produced besides the video renditions, as JSON:
-- {"audio_only": {...} | null, "poster": "poster.jpg" | null, "thumbnails": "thumbs.vtt" | null}
ALTER TABLE videos ADD COLUMN extras TEXT NOT NULL DEFAULT '{}';
