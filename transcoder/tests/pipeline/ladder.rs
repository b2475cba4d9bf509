//! The ladder as a whole: keyframes aligned across rungs, H.264 level limits.

use domain::{Ladder, Rung};
use transcoder::{Settings, package};

use crate::fmp4::{timescale, video_sample_list};
use crate::{clip, outdir, read};

fn rung(height: u32, max_kbps: u32) -> Rung {
    Rung {
        name: format!("{height}p"),
        height,
        max_kbps,
    }
}

/// Presentation times (seconds, from the rung's first picture) of every IDR
/// picture of a rung, over all its segments.
fn idr_times(dir: &std::path::Path) -> Vec<f64> {
    let scale = f64::from(timescale(&read(&dir.join("init.mp4"))));
    let text = read(&dir.join("index.m3u8"));
    let playlist = m3u8_rs::parse_media_playlist_res(&text).expect("media playlist parses");
    let samples: Vec<_> = playlist
        .segments
        .iter()
        .flat_map(|s| video_sample_list(&read(&dir.join(&s.uri)), 1))
        .collect();
    let first = samples.iter().map(|s| s.pts).min().expect("video samples");
    samples
        .iter()
        .filter(|s| s.nals.contains(&5))
        .map(|s| (s.pts - first) as f64 / scale)
        .collect()
}

#[test]
fn keyframes_fall_at_the_same_times_in_every_rung() {
    // 25 fps, so the grid is 50 frames, and three rungs.
    let clip = clip(640, 360, 25, 5.0, Some(440));
    let out = outdir(&clip);
    let settings = Settings {
        ladder: Ladder {
            rungs: vec![rung(360, 600), rung(270, 400), rung(180, 250)],
        },
        ..Settings::default()
    };
    let packaged = package(&clip.path, &out, &settings, &mut |_| {}).expect("packages");
    assert_eq!(packaged.renditions.len(), 3);
    let times: Vec<Vec<f64>> = packaged
        .renditions
        .iter()
        .map(|r| idr_times(&out.join(&r.name)))
        .collect();
    for (rendition, t) in packaged.renditions.iter().zip(&times) {
        let expected = [0.0, 2.0, 4.0];
        assert_eq!(t.len(), expected.len(), "{}: {t:?}", rendition.name);
        for (got, want) in t.iter().zip(expected) {
            assert!((got - want).abs() < 1e-6, "{}: {t:?}", rendition.name);
        }
    }
    assert!(times.windows(2).all(|w| w[0] == w[1]), "{times:?}");
}

/// Peak and mean bitrate of a media playlist's segments (or their byte ranges), from the files.
fn measure(dir: &std::path::Path, playlist: &str) -> (f64, f64) {
    let text = read(&dir.join(playlist));
    let playlist = m3u8_rs::parse_media_playlist_res(&text).expect("playlist parses");
    let (mut peak, mut bits, mut seconds) = (0f64, 0f64, 0f64);
    for segment in &playlist.segments {
        let size = match &segment.byte_range {
            Some(range) => range.length,
            None => read(&dir.join(&segment.uri)).len() as u64,
        } as f64;
        let duration = f64::from(segment.duration);
        peak = peak.max(size * 8.0 / duration);
        bits += size * 8.0;
        seconds += duration;
    }
    (peak, bits / seconds)
}

fn within_10_percent(declared: u64, measured: f64) -> bool {
    (declared as f64 - measured).abs() <= 0.1 * measured
}

#[test]
fn master_lists_rungs_then_audio_only_then_i_frame_streams_with_measured_bandwidths() {
    let clip = clip(640, 360, 30, 7.0, Some(440));
    let out = outdir(&clip);
    let settings = Settings {
        ladder: Ladder::small(),
        ..Settings::default()
    };
    let packaged = package(&clip.path, &out, &settings, &mut |_| {}).expect("packages");
    let master = m3u8_rs::parse_master_playlist_res(&read(&out.join("master.m3u8"))).unwrap();
    let listed: Vec<_> = master
        .variants
        .iter()
        .map(|v| {
            (
                v.is_i_frame,
                v.uri.as_str(),
                v.codecs.as_deref().unwrap_or(""),
            )
        })
        .collect();
    // Explicit levels: 3.0 (0x1e) for 640x360, 2.1 (0x15) for 426x240, both ≤ 4.1.
    assert_eq!(
        listed,
        vec![
            (false, "360p/index.m3u8", "avc1.64001e,mp4a.40.2"),
            (false, "240p/index.m3u8", "avc1.640015,mp4a.40.2"),
            (false, "audio/index.m3u8", "mp4a.40.2"),
            (true, "360p/iframes.m3u8", "avc1.64001e"),
            (true, "240p/iframes.m3u8", "avc1.640015"),
        ]
    );
    for variant in &master.variants {
        let (dir, file) = variant.uri.split_once('/').unwrap();
        let (peak, mean) = measure(&out.join(dir), file);
        assert!(
            within_10_percent(variant.bandwidth, peak),
            "{variant:?}: peak {peak}"
        );
        let average = variant.average_bandwidth.unwrap_or(0);
        assert!(within_10_percent(average, mean), "{variant:?}: mean {mean}");
        assert_eq!(variant.resolution.is_some(), dir != "audio", "{variant:?}");
        assert_eq!(
            variant.frame_rate.is_some(),
            !variant.is_i_frame && dir != "audio"
        );
    }
    // The audio-only rung costs about the AAC bitrate (96 kbit/s) plus fMP4 framing.
    let audio = &master.variants[2];
    assert!((96_000..130_000).contains(&audio.bandwidth), "{audio:?}");

    for rendition in &packaged.renditions {
        let dir = out.join(&rendition.name);
        let text = read(&dir.join("iframes.m3u8"));
        let iframes = m3u8_rs::parse_media_playlist_res(&text).expect("I-frame playlist parses");
        assert!(iframes.i_frames_only && iframes.end_list);
        assert_eq!(
            iframes.segments[0].map.as_ref().map(|m| m.uri.as_str()),
            Some("init.mp4")
        );
        let media = m3u8_rs::parse_media_playlist_res(&read(&dir.join("index.m3u8"))).unwrap();
        assert_eq!(iframes.segments.len(), media.segments.len());
        for (entry, segment) in iframes.segments.iter().zip(&media.segments) {
            assert_eq!(
                (&entry.uri, entry.duration),
                (&segment.uri, segment.duration)
            );
            let bytes = read(&dir.join(&entry.uri));
            let range = entry.byte_range.as_ref().expect("a byte range");
            let start = range.offset.expect("an offset") as usize;
            let end = start + range.length as usize;
            // From a moof through the IDR's data: more than the moof, less than the segment.
            assert_eq!(&bytes[start + 4..start + 8], b"moof");
            let moof_size = u32::from_be_bytes(bytes[start..start + 4].try_into().unwrap());
            assert!(
                end > start + moof_size as usize + 8 && end < bytes.len(),
                "{range:?}"
            );
        }
    }
}
