//! Paths the origin answers, parsed into typed keys. A path that does not
//! parse is a 404: nothing unparsed ever reaches the store.

use domain::VideoId;
use store::ObjectKey;

/// What a request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// `/media/v/{video}/{token}/{path}`: an object of a video's HLS package.
    Media {
        /// The video named in the path (must equal the grant's).
        video: VideoId,
        /// The playback grant.
        token: String,
        /// The object.
        key: ObjectKey,
    },
    /// `/healthz`.
    Health,
    /// `/readyz`: the media store answers.
    Ready,
    /// `/metrics`.
    Metrics,
}

/// Parses a request path. Percent-escapes are refused outright: no object
/// name needs one, and decoding is where traversal tricks hide.
pub fn parse(path: &str) -> Option<Endpoint> {
    match path {
        "/healthz" => return Some(Endpoint::Health),
        "/readyz" => return Some(Endpoint::Ready),
        "/metrics" => return Some(Endpoint::Metrics),
        _ => {}
    }
    if path.contains('%') {
        return None;
    }
    let rest = path.strip_prefix("/media/v/")?;
    let (video, rest) = rest.split_once('/')?;
    let (token, object) = rest.split_once('/')?;
    let video: VideoId = video.parse().ok().filter(|v: &VideoId| v.get() > 0)?;
    if token.is_empty() {
        return None;
    }
    let key = ObjectKey::hls(video, object).ok()?;
    Some(Endpoint::Media {
        video,
        token: token.to_owned(),
        key,
    })
}

/// The path as it may be logged: `/media/v/{id}/{token}/…` loses its grant
/// token, so no secret reaches a log.
pub fn loggable_path(path: &str) -> String {
    match path
        .strip_prefix("/media/v/")
        .and_then(|rest| rest.split_once('/'))
    {
        Some((video, rest)) => {
            let object = rest.split_once('/').map_or("", |(_, o)| o);
            format!("/media/v/{video}/…/{object}")
        }
        None => path.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn grant_tokens_never_reach_the_log() {
        assert_eq!(
            super::loggable_path("/media/v/3/v1.k.3.abc.site.1.2.SIG/360p/seg_00001.m4s"),
            "/media/v/3/…/360p/seg_00001.m4s"
        );
        assert_eq!(super::loggable_path("/api/v1/courses"), "/api/v1/courses");
    }

    use super::*;

    #[test]
    fn media_paths_parse_into_keys() {
        let Some(Endpoint::Media { video, token, key }) =
            parse("/media/v/5/v1.k.5.s.site.1.2.sig/360p/seg_00001.m4s")
        else {
            panic!("should parse");
        };
        assert_eq!(
            (video.get(), token.as_str(), key.as_str()),
            (
                5,
                "v1.k.5.s.site.1.2.sig",
                "videos/5/hls/360p/seg_00001.m4s"
            )
        );
    }

    #[test]
    fn traversal_and_malformed_paths_are_not_found() {
        for bad in [
            "/media/v/5/tok/../../../etc/passwd",
            "/media/v/5/tok/%2e%2e/secret",
            "/media/v/5/tok//master.m3u8",
            "/media/v/5/tok/",
            "/media/v/5//master.m3u8",
            "/media/v/x/tok/master.m3u8",
            "/media/v/0/tok/master.m3u8",
            "/media/v/5/tok/../source",
            "/media/v/5/tok/.hidden",
            "/other",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
