//! The playlists (RFC 8216): each rung's media playlist as the `hls` muxer
//! wrote it, cleaned up and measured, and `master.m3u8` listing the rungs
//! highest first with bandwidths measured from the segments on disk.

use std::path::Path;

use m3u8_rs::{MasterPlaylist, MediaPlaylistType, Resolution, VariantStream};

use super::mux::{INIT, PLAYLIST};
use crate::{AudioRendition, Error, Rendition};

/// Bitrates of one rung measured from its segments (init segment excluded).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Measured {
    /// Highest single-segment bitrate, bit/s (`BANDWIDTH`).
    pub(crate) peak_bps: u64,
    /// Total segment bits over total duration, bit/s (`AVERAGE-BANDWIDTH`).
    pub(crate) average_bps: u64,
}

/// Rewrites `dir/index.m3u8` as a complete VOD playlist (EXT-X-PLAYLIST-TYPE:VOD,
/// EXT-X-INDEPENDENT-SEGMENTS, EXT-X-MAP, EXT-X-ENDLIST, relative URIs) and
/// measures its segments.
pub(crate) fn finish_media(dir: &Path) -> Result<Measured, Error> {
    let path = dir.join(PLAYLIST);
    let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, &e))?;
    let mut playlist = m3u8_rs::parse_media_playlist_res(&bytes).map_err(|_| {
        Error::Internal(format!(
            "the HLS muxer wrote an unreadable {}",
            path.display()
        ))
    })?;
    if playlist.segments.is_empty() {
        return Err(Error::Internal(format!(
            "the HLS muxer wrote no segments into {}",
            path.display()
        )));
    }
    playlist.playlist_type = Some(MediaPlaylistType::Vod);
    playlist.independent_segments = true;
    playlist.end_list = true;
    // EXT-X-MAP without I-frames-only needs protocol version 6 (RFC 8216 §7).
    playlist.version = Some(playlist.version.unwrap_or(0).max(7));

    let (mut bits, mut seconds, mut peak) = (0u64, 0f64, 0u64);
    for (i, segment) in playlist.segments.iter_mut().enumerate() {
        segment.uri = basename(&segment.uri);
        if i == 0 && segment.map.is_none() {
            segment.map = Some(m3u8_rs::Map {
                uri: INIT.to_owned(),
                ..Default::default()
            });
        }
        if let Some(map) = segment.map.as_mut() {
            map.uri = basename(&map.uri);
        }
        let file = dir.join(&segment.uri);
        let size = std::fs::metadata(&file)
            .map_err(|e| Error::io(&file, &e))?
            .len();
        let duration = f64::from(segment.duration);
        if duration > 0.0 {
            peak = peak.max((size as f64 * 8.0 / duration).round() as u64);
        }
        bits += size * 8;
        seconds += duration;
    }
    // Every EXTINF, rounded, must fit the target duration (RFC 8216 §4.3.3.1).
    let longest = playlist
        .segments
        .iter()
        .map(|s| f64::from(s.duration).round() as u64)
        .max()
        .unwrap_or(0);
    playlist.target_duration = playlist.target_duration.max(longest);

    let mut out = Vec::new();
    playlist
        .write_to(&mut out)
        .map_err(|e| Error::io(&path, &e))?;
    std::fs::write(&path, out).map_err(|e| Error::io(&path, &e))?;
    let average_bps = if seconds > 0.0 {
        (bits as f64 / seconds).round() as u64
    } else {
        0
    };
    Ok(Measured {
        peak_bps: peak,
        average_bps,
    })
}

/// Writes `master.m3u8`: one EXT-X-STREAM-INF per video rendition, in the
/// order given, then the audio-only rendition, then one
/// EXT-X-I-FRAME-STREAM-INF per video rendition.
pub(crate) fn write_master(
    outdir: &Path,
    renditions: &[Rendition],
    audio_only: Option<&AudioRendition>,
    frame_rate: f64,
) -> Result<(), Error> {
    let audio = audio_only.map(|a| VariantStream {
        uri: a.playlist.clone(),
        bandwidth: a.bandwidth,
        average_bandwidth: Some(a.average_bandwidth),
        codecs: Some(a.codecs.clone()),
        ..Default::default()
    });
    let variants = renditions
        .iter()
        .map(|r| VariantStream {
            uri: r.playlist.clone(),
            bandwidth: r.bandwidth,
            average_bandwidth: Some(r.average_bandwidth),
            codecs: Some(r.codecs.clone()),
            resolution: Some(Resolution {
                width: u64::from(r.width),
                height: u64::from(r.height),
            }),
            frame_rate: Some((frame_rate * 1000.0).round() / 1000.0),
            ..Default::default()
        })
        .chain(audio)
        .chain(renditions.iter().map(|r| VariantStream {
            is_i_frame: true,
            uri: r.i_frame_playlist.clone(),
            bandwidth: r.i_frame_bandwidth,
            average_bandwidth: Some(r.i_frame_average_bandwidth),
            // The video codec alone: I-frame playlists carry no sound.
            codecs: r.codecs.split(',').next().map(str::to_owned),
            resolution: Some(Resolution {
                width: u64::from(r.width),
                height: u64::from(r.height),
            }),
            ..Default::default()
        }))
        .collect();
    let master = MasterPlaylist {
        version: Some(6),
        independent_segments: true,
        variants,
        ..Default::default()
    };
    let path = outdir.join("master.m3u8");
    let mut out = Vec::new();
    master
        .write_to(&mut out)
        .map_err(|e| Error::io(&path, &e))?;
    std::fs::write(&path, out).map_err(|e| Error::io(&path, &e))
}

/// The RFC 6381 `avc1.PPCCLL` string from the SPS inside an fMP4 init
/// segment's `avcC` box: profile_idc, constraint flags, level_idc.
pub(crate) fn avc_codec(init: &[u8]) -> Option<String> {
    let at = init.windows(4).position(|w| w == b"avcC")? + 4;
    let config = init.get(at..)?;
    // configurationVersion, profile, compat, level, lengthSize, numOfSPS, spsLength(2), SPS…
    let sps_len = usize::from(u16::from_be_bytes([*config.get(6)?, *config.get(7)?]));
    let sps = config.get(8..8 + sps_len)?;
    if sps.len() < 4 || sps[0] & 0x1f != 7 {
        return None;
    }
    Some(format!("avc1.{:02x}{:02x}{:02x}", sps[1], sps[2], sps[3]))
}

fn basename(uri: &str) -> String {
    uri.rsplit('/').next().unwrap_or(uri).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codec_string_comes_from_the_sps() {
        let mut init = b"....avcC".to_vec();
        init.extend([1, 0x64, 0, 0x1e, 0xff, 0xe1, 0, 4, 0x67, 0x64, 0x00, 0x1e]);
        assert_eq!(avc_codec(&init).as_deref(), Some("avc1.64001e"));
        assert_eq!(avc_codec(b"no box here"), None);
        assert_eq!(avc_codec(b"avcC\x01\x64"), None);
    }

    #[test]
    fn uris_become_relative() {
        assert_eq!(basename("/tmp/x/360p/seg_00000.m4s"), "seg_00000.m4s");
        assert_eq!(basename("init.mp4"), "init.mp4");
    }
}
