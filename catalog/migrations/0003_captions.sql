-- Caption tracks of a video. The WebVTT itself lives in the media store at
-- videos/{id}/captions/{lang}.vtt and is copied into each published revision.
CREATE TABLE captions (
    video_id   INTEGER NOT NULL REFERENCES videos(id),
    lang       TEXT NOT NULL,             -- BCP 47, e.g. ja, en
    name       TEXT NOT NULL,             -- shown in the player, e.g. 日本語
    cues       INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (video_id, lang)
);
