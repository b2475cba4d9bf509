//! Packaging generated clips: playlists, segment boundaries, codecs, progress.

use std::path::Path;

use m3u8_rs::{MediaPlaylistType, Resolution};
use transcoder::{Packaged, Settings, package};

use crate::fmp4::{nal_types_to_first_slice, video_sample_nals, video_samples};
use crate::{clip, outdir, read};

fn small_ladder() -> Settings {
    Settings {
        ladder: domain::Ladder::small(),
        ..Settings::default()
    }
}

/// Checks one rung's media playlist and segments; returns (frames per segment,
/// (bytes, seconds) per segment).
fn check_rendition(dir: &Path, settings: &Settings) -> (Vec<u32>, Vec<(u64, f64)>) {
    let text = read(&dir.join("index.m3u8"));
    let playlist = m3u8_rs::parse_media_playlist_res(&text).expect("media playlist parses");
    assert_eq!(playlist.playlist_type, Some(MediaPlaylistType::Vod));
    assert!(playlist.end_list && playlist.independent_segments);
    assert_eq!(
        playlist.segments[0].map.as_ref().map(|m| m.uri.as_str()),
        Some("init.mp4")
    );
    assert!(read(&dir.join("init.mp4")).windows(4).any(|w| w == b"avcC"));

    let mut frames = Vec::new();
    let mut sizes = Vec::new();
    for segment in &playlist.segments {
        assert!(
            f64::from(segment.duration) <= f64::from(settings.segment_seconds) + 0.5,
            "{segment:?}"
        );
        let bytes = read(&dir.join(&segment.uri));
        // Every segment must open on an IDR slice (only SEI/AUD/SPS/PPS may precede it).
        let nals = nal_types_to_first_slice(&bytes);
        let (slice, before) = nals.split_last().expect("segment has NAL units");
        assert_eq!(*slice, 5, "{} starts with NAL types {nals:?}", segment.uri);
        assert!(before.iter().all(|t| [6, 7, 8, 9].contains(t)), "{nals:?}");
        let samples = video_sample_nals(&bytes, 1);
        assert_eq!(samples.len() as u32, video_samples(&bytes, 1));
        // IDRs exactly on the keyframe grid: source keyframes must not leak through.
        let keyint = (30 * settings.keyframe_seconds) as usize;
        let idrs: Vec<usize> = samples
            .iter()
            .enumerate()
            .filter(|(_, n)| n.contains(&5))
            .map(|(i, _)| i)
            .collect();
        let grid: Vec<usize> = (0..samples.len()).step_by(keyint).collect();
        assert_eq!(idrs, grid, "{}: IDR sample positions", segment.uri);
        assert!(
            samples
                .iter()
                .all(|n| !n.contains(&5) || n.iter().all(|t| [5, 6, 7, 8, 9].contains(t)))
        );
        frames.push(samples.len() as u32);
        sizes.push((bytes.len() as u64, f64::from(segment.duration)));
    }
    (frames, sizes)
}

fn package_clip(
    seconds: f64,
    tone: Option<u32>,
    settings: &Settings,
) -> (crate::Clip, std::path::PathBuf, Packaged) {
    let clip = clip(640, 360, 30, seconds, tone);
    let out = outdir(&clip);
    let packaged = package(&clip.path, &out, settings, &mut |_| {}).expect("packages");
    (clip, out, packaged)
}

#[test]
fn clip_with_tone_packages_into_the_small_ladder_with_idr_aligned_segments() {
    let settings = small_ladder();
    let (_clip, out, packaged) = package_clip(6.5, Some(440), &settings);
    assert!((packaged.duration_s - 6.5).abs() < 0.1, "{packaged:?}");

    let master =
        m3u8_rs::parse_master_playlist_res(&read(&out.join("master.m3u8"))).expect("master parses");
    assert!(master.independent_segments);
    let summary: Vec<_> = master
        .variants
        .iter()
        .filter(|v| !v.is_i_frame)
        .map(|v| (v.uri.as_str(), v.resolution, v.frame_rate))
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                "360p/index.m3u8",
                Some(Resolution {
                    width: 640,
                    height: 360
                }),
                Some(30.0)
            ),
            (
                "240p/index.m3u8",
                Some(Resolution {
                    width: 426,
                    height: 240
                }),
                Some(30.0)
            ),
            ("audio/index.m3u8", None, None),
        ]
    );

    for (i, (variant, rendition)) in master.variants.iter().zip(&packaged.renditions).enumerate() {
        let codecs = variant.codecs.as_deref().unwrap_or_default();
        assert!(
            codecs.starts_with("avc1.64") && codecs.ends_with(",mp4a.40.2"),
            "{codecs}"
        );
        assert_eq!(codecs.len(), "avc1.64001e,mp4a.40.2".len(), "{codecs}");
        assert_eq!(codecs, rendition.codecs);

        let dir = out.join(&rendition.name);
        let (frames, sizes) = check_rendition(&dir, &settings);
        // 6 s at 30 fps, then the 0.5 s remainder: no frame lost or duplicated.
        assert_eq!(frames, vec![180, 15], "{}", rendition.name);
        let peak = sizes
            .iter()
            .map(|(b, s)| (*b as f64 * 8.0 / s).round() as u64)
            .max()
            .unwrap_or(0);
        let total: u64 = sizes.iter().map(|(b, _)| b * 8).sum();
        let seconds: f64 = sizes.iter().map(|(_, s)| s).sum();
        assert_eq!(variant.bandwidth, peak);
        assert_eq!(
            variant.average_bandwidth,
            Some((total as f64 / seconds).round() as u64)
        );

        // What libx264 was really told, from its SEI in the first segment.
        let first = read(&dir.join("seg_00000.m4s"));
        let has = |needle: &str| first.windows(needle.len()).any(|w| w == needle.as_bytes());
        for needle in [
            "keyint=60 keyint_min=31 scenecut=0",
            "open_gop=0",
            "crf=23.0",
        ] {
            assert!(has(needle), "{} x264 options lack {needle}", rendition.name);
        }
        // The largest rung is the critical path and gets two threads of the
        // budget of two; the others one each.
        let threads = format!(" threads={} ", if i == 0 { 2 } else { 1 });
        assert!(
            has(&threads),
            "{} x264 options lack {threads}",
            rendition.name
        );
        let kbps = max_kbps(&rendition.name);
        let vbv = format!("vbv_maxrate={kbps} vbv_bufsize={}", 2 * kbps);
        assert!(has(&vbv), "{} x264 options lack {vbv}", rendition.name);
    }

    assert_eq!(
        String::from_utf8_lossy(&read(&out.join("360p/index.m3u8"))),
        "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-TARGETDURATION:6\n\
         #EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-MAP:URI=\"init.mp4\"\n#EXTINF:6,\nseg_00000.m4s\n\
         #EXTINF:0.5,\nseg_00001.m4s\n#EXT-X-ENDLIST\n"
    );
}

fn max_kbps(rung: &str) -> u64 {
    let ladder = domain::Ladder::small();
    ladder
        .rungs
        .iter()
        .find(|r| r.name == rung)
        .map_or(0, |r| u64::from(r.max_kbps))
}

#[test]
fn clip_without_audio_packages_video_only() {
    let settings = small_ladder();
    let (_clip, out, packaged) = package_clip(4.0, None, &settings);
    for rendition in &packaged.renditions {
        assert!(
            rendition.codecs.starts_with("avc1.64") && !rendition.codecs.contains("mp4a"),
            "{rendition:?}"
        );
        let (frames, _) = check_rendition(&out.join(&rendition.name), &settings);
        assert_eq!(frames, vec![120], "{}", rendition.name);
    }
    let master = String::from_utf8_lossy(&read(&out.join("master.m3u8"))).into_owned();
    assert!(!master.contains("mp4a"), "{master}");
}

#[test]
fn progress_never_goes_backwards_and_ends_at_one() {
    let clip = clip(320, 180, 30, 4.0, Some(1000));
    let out = outdir(&clip);
    let mut seen = Vec::new();
    package(&clip.path, &out, &small_ladder(), &mut |f| seen.push(f)).expect("packages");
    assert!(seen.len() > 10, "{seen:?}");
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
    assert!(seen.iter().all(|f| (0.0..=1.0).contains(f)), "{seen:?}");
    assert_eq!(seen.last(), Some(&1.0));
    assert!(seen[seen.len() - 2] > 0.9, "{seen:?}");
}

#[test]
fn small_source_gets_one_rung_at_its_own_height() {
    // 320x180 is below both rungs of the small ladder except none: one 180p rung, never upscaled.
    let clip = clip(320, 180, 30, 4.0, None);
    let out = outdir(&clip);
    let packaged = package(&clip.path, &out, &small_ladder(), &mut |_| {}).expect("packages");
    let sizes: Vec<_> = packaged
        .renditions
        .iter()
        .map(|r| (r.name.as_str(), r.width, r.height))
        .collect();
    assert_eq!(sizes, vec![("180p", 320, 180)]);
}
