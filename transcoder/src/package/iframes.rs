//! I-frame playlists (RFC 8216 §4.3.3.6 `EXT-X-I-FRAMES-ONLY`), which Apple's
//! HLS Authoring Specification asks for (scrubbing, fast-forward).
//!
//! The `hls` muxer writes one movie fragment per segment and every segment
//! opens on an IDR whose sample comes first in the fragment's `mdat` (the
//! video track is the first track). So each segment yields one I-frame
//! entry: the byte range from its `moof` through the end of that first
//! sample, lasting as long as the segment.

use std::path::Path;

use m3u8_rs::{ByteRange, MediaPlaylist, MediaPlaylistType, MediaSegment};

use super::mux::{INIT, PLAYLIST};
use super::playlist::Measured;
use crate::Error;

/// Name of the I-frame playlist in each video rung's directory.
pub(crate) const IFRAME_PLAYLIST: &str = "iframes.m3u8";

/// Writes `dir/iframes.m3u8` from the rung's finished media playlist and
/// measures the I-frame bitrates.
pub(crate) fn write(dir: &Path) -> Result<Measured, Error> {
    let path = dir.join(PLAYLIST);
    let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, &e))?;
    let media = m3u8_rs::parse_media_playlist_res(&bytes)
        .map_err(|_| Error::Internal(format!("unreadable {}", path.display())))?;
    let mut segments = Vec::with_capacity(media.segments.len());
    let (mut bits, mut seconds, mut peak) = (0u64, 0f64, 0u64);
    for (i, segment) in media.segments.iter().enumerate() {
        let file = dir.join(&segment.uri);
        let data = std::fs::read(&file).map_err(|e| Error::io(&file, &e))?;
        let (offset, length) = first_sample_range(&data).ok_or_else(|| {
            Error::Internal(format!("no leading video sample in {}", file.display()))
        })?;
        let duration = f64::from(segment.duration);
        if duration > 0.0 {
            peak = peak.max((length as f64 * 8.0 / duration).round() as u64);
        }
        bits += length * 8;
        seconds += duration;
        segments.push(MediaSegment {
            uri: segment.uri.clone(),
            duration: segment.duration,
            byte_range: Some(ByteRange {
                length,
                offset: Some(offset),
            }),
            map: (i == 0).then(|| m3u8_rs::Map {
                uri: INIT.to_owned(),
                ..Default::default()
            }),
            ..Default::default()
        });
    }
    let playlist = MediaPlaylist {
        // EXT-X-MAP in an I-frames-only playlist needs version 5 (RFC 8216 §7).
        version: Some(7),
        target_duration: media.target_duration,
        playlist_type: Some(MediaPlaylistType::Vod),
        i_frames_only: true,
        independent_segments: true,
        end_list: true,
        segments,
        ..Default::default()
    };
    let out_path = dir.join(IFRAME_PLAYLIST);
    let mut out = Vec::new();
    playlist
        .write_to(&mut out)
        .map_err(|e| Error::io(&out_path, &e))?;
    std::fs::write(&out_path, out).map_err(|e| Error::io(&out_path, &e))?;
    Ok(Measured {
        peak_bps: peak,
        average_bps: if seconds > 0.0 {
            (bits as f64 / seconds).round() as u64
        } else {
            0
        },
    })
}

/// ISO BMFF boxes of `data` from `at`: (type, start, payload start, end).
fn boxes(data: &[u8], mut at: usize, end: usize) -> Vec<([u8; 4], usize, usize, usize)> {
    let mut out = Vec::new();
    while at + 8 <= end {
        let Some(size) = be32(data, at) else { break };
        let kind: [u8; 4] = match data.get(at + 4..at + 8).and_then(|k| k.try_into().ok()) {
            Some(k) => k,
            None => break,
        };
        let (header, size) = match size {
            1 => match data.get(at + 8..at + 16).and_then(|b| b.try_into().ok()) {
                Some(b) => (16, u64::from_be_bytes(b) as usize),
                None => break,
            },
            0 => (8, end - at),
            n => (8, n as usize),
        };
        if size < header || at + size > end {
            break;
        }
        out.push((kind, at, at + header, at + size));
        at += size;
    }
    out
}

fn be32(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(data.get(at..at + 4)?.try_into().ok()?))
}

/// (offset, length) of the first `moof` through the end of its track-1
/// (video) first sample's data.
fn first_sample_range(data: &[u8]) -> Option<(u64, u64)> {
    let (_, moof, moof_body, moof_end) = boxes(data, 0, data.len())
        .into_iter()
        .find(|(k, ..)| k == b"moof")?;
    for (kind, _, body, end) in boxes(data, moof_body, moof_end) {
        if &kind != b"traf" {
            continue;
        }
        let children = boxes(data, body, end);
        let (_, _, tfhd, _) = *children.iter().find(|(k, ..)| k == b"tfhd")?;
        let (_, _, trun, _) = *children.iter().find(|(k, ..)| k == b"trun")?;
        let tf_flags = be32(data, tfhd)? & 0xff_ffff;
        if be32(data, tfhd + 4)? != 1 {
            continue;
        }
        let mut at = tfhd + 8;
        let base = if tf_flags & 0x1 != 0 {
            at += 8;
            u64::from_be_bytes(data.get(tfhd + 8..tfhd + 16)?.try_into().ok()?) as usize
        } else {
            moof // default-base-is-moof, and the rule for a first traf without it
        };
        at += if tf_flags & 0x2 != 0 { 4 } else { 0 };
        at += if tf_flags & 0x8 != 0 { 4 } else { 0 };
        let default_size = (tf_flags & 0x10 != 0).then(|| be32(data, at)).flatten();

        let flags = be32(data, trun)? & 0xff_ffff;
        let mut at = trun + 8;
        let data_offset = if flags & 0x1 != 0 {
            at += 4;
            i64::from(be32(data, at - 4)? as i32)
        } else {
            0
        };
        at += if flags & 0x4 != 0 { 4 } else { 0 };
        at += if flags & 0x100 != 0 { 4 } else { 0 };
        let size = if flags & 0x200 != 0 {
            be32(data, at)?
        } else {
            default_size?
        };
        let end = usize::try_from(base as i64 + data_offset).ok()? + size as usize;
        return (end <= data.len() && end > moof).then(|| (moof as u64, (end - moof) as u64));
    }
    None
}
