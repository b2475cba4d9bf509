//! The object layout, in one place:
//!
//! ```text
//! videos/{video_id}/source          the upload as received
//! videos/{video_id}/hls/master.m3u8 the packaged ladder (and everything below hls/)
//! ```
//!
//! Keys are built only from typed ids and checked path segments, so a key can
//! never name anything outside the store (no `..`, no empty or hidden segment).

use domain::VideoId;
use std::fmt;

/// A checked, relative object key with `/` separators.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObjectKey(String);

/// A relative path inside a video's HLS package was not acceptable.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid media path")]
pub struct BadPath;

impl ObjectKey {
    /// Every object manabi stores (all videos): for the deletion at the
    /// end of the contract.
    pub fn all_media() -> Self {
        Self("videos".into())
    }

    /// Everything stored for one video.
    pub fn video(video: VideoId) -> Self {
        Self(format!("videos/{video}"))
    }

    /// The upload as the editor sent it.
    pub fn source(video: VideoId) -> Self {
        Self(format!("videos/{video}/source"))
    }

    /// A caption track as uploaded (converted to WebVTT), outside any
    /// revision. `lang` must be a simple BCP 47 tag (`ja`, `en`, `pt-BR`).
    pub fn caption(video: VideoId, lang: &str) -> Result<Self, BadPath> {
        let ok = lang.len() <= 16
            && lang.split('-').enumerate().all(|(i, part)| {
                let n = part.len();
                part.bytes().all(|b| b.is_ascii_alphanumeric())
                    && if i == 0 {
                        (2..=3).contains(&n)
                    } else {
                        (2..=8).contains(&n)
                    }
            });
        if ok {
            Ok(Self(format!("videos/{video}/captions/{lang}.vtt")))
        } else {
            Err(BadPath)
        }
    }

    /// The root of a video's HLS package.
    pub fn hls_root(video: VideoId) -> Self {
        Self(format!("videos/{video}/hls"))
    }

    /// A file inside a video's HLS package, e.g. `360p/seg_00001.m4s`.
    ///
    /// Each segment must be 1–128 characters of `A-Za-z0-9._-`, not start with
    /// a dot; at most four segments deep.
    pub fn hls(video: VideoId, relative: &str) -> Result<Self, BadPath> {
        let ok = relative.split('/').count() <= 4 && relative.split('/').all(is_segment);
        if !ok {
            return Err(BadPath);
        }
        // Built piece by piece: every media request makes one (see the origin).
        let mut key = String::with_capacity(32 + relative.len());
        key.push_str("videos/");
        key.push_str(itoa::Buffer::new().format(video.get()));
        key.push_str("/hls/");
        key.push_str(relative);
        Ok(Self(key))
    }

    /// A key as a store lists it (`videos/12/hls/r3/360p/seg_00001.m4s`):
    /// below `videos/` or `backups/`, every segment 1–128 characters of `A-Za-z0-9._-`
    /// not starting with a dot, at most eight deep. Anything else in a
    /// bucket or directory (a temporary file, someone else's object) is not
    /// ours and is refused.
    pub fn listed(key: &str) -> Result<Self, BadPath> {
        let parts: Vec<&str> = key.split('/').collect();
        let ok = parts.len() >= 2
            && parts.len() <= 8
            && (parts[0] == "videos" || parts[0] == "backups")
            && parts.iter().all(|p| is_segment(p));
        if ok {
            Ok(Self(key.to_owned()))
        } else {
            Err(BadPath)
        }
    }

    /// Where the copies of the catalog's backups go (`[backup_copy]`).
    pub fn backups() -> Self {
        Self("backups".into())
    }

    /// One backup file's copy: `name` is a plain file name
    /// (`manabi-20260401T023000Z.mbk`, its `.sha256`).
    pub fn backup(name: &str) -> Result<Self, BadPath> {
        Self::listed(&format!("backups/{name}")).and_then(|key| {
            if key.0.matches('/').count() == 1 {
                Ok(key)
            } else {
                Err(BadPath)
            }
        })
    }

    /// The key as a relative path.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A path segment we write: 1–128 characters of `A-Za-z0-9._-`, not
/// starting with a dot.
fn is_segment(p: &str) -> bool {
    !p.is_empty()
        && p.len() <= 128
        && !p.starts_with('.')
        && p.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_keys_are_only_ours() {
        for good in [
            "videos/1/source",
            "videos/12/hls/r3/360p/seg_00001.m4s",
            "backups/manabi-20260401T023000Z.mbk",
        ] {
            assert_eq!(ObjectKey::listed(good).unwrap().as_str(), good);
        }
        for bad in [
            "videos",
            "other/1/source",
            "videos/1/.tmp/x",
            "videos/../etc/passwd",
            "videos//source",
            "videos/1/a b",
            "videos/1/2/3/4/5/6/7/8",
        ] {
            assert_eq!(ObjectKey::listed(bad), Err(BadPath), "{bad}");
        }
        assert!(ObjectKey::backup("manabi-20260401T023000Z.mbk.sha256").is_ok());
        for bad in ["", "a/b", "..", ".hidden", "x y"] {
            assert_eq!(ObjectKey::backup(bad), Err(BadPath), "{bad}");
        }
    }

    #[test]
    fn hls_keys_accept_package_paths() {
        let k = ObjectKey::hls(VideoId::new(7), "360p/seg_00001.m4s").unwrap();
        assert_eq!(k.as_str(), "videos/7/hls/360p/seg_00001.m4s");
    }

    #[test]
    fn traversal_and_odd_paths_are_refused() {
        for bad in [
            "",
            "..",
            "../x",
            "a/../../b",
            "a//b",
            "/etc/passwd",
            ".hidden",
            "a/b/c/d/e",
            "a\\b",
            "%2e%2e/x",
            "a b",
        ] {
            assert_eq!(
                ObjectKey::hls(VideoId::new(1), bad),
                Err(BadPath),
                "{bad:?}"
            );
        }
    }
}
