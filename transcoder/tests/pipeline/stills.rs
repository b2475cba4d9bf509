//! Poster and seek thumbnails drawn from the same decode as the rungs.

use transcoder::{Settings, package};

use crate::{clip, outdir, read};

/// (width, height) from a baseline JPEG's SOF0 segment.
fn jpeg_size(bytes: &[u8]) -> (u32, u32) {
    assert!(
        bytes.starts_with(&[0xff, 0xd8]) && bytes.ends_with(&[0xff, 0xd9]),
        "not a JPEG"
    );
    let at = bytes
        .windows(2)
        .position(|w| w == [0xff, 0xc0])
        .expect("a SOF0 segment");
    let be16 = |i: usize| u32::from(u16::from_be_bytes([bytes[i], bytes[i + 1]]));
    (be16(at + 7), be16(at + 5))
}

#[test]
fn poster_sprite_and_thumbnail_track_are_written() {
    let clip = clip(640, 360, 30, 7.0, Some(440));
    let out = outdir(&clip);
    let settings = Settings {
        ladder: domain::Ladder::small(),
        ..Settings::default()
    };
    let packaged = package(&clip.path, &out, &settings, &mut |_| {}).expect("packages");
    assert_eq!(packaged.poster.as_deref(), Some("poster.jpg"));
    assert_eq!(packaged.thumbnails.as_deref(), Some("thumbs.vtt"));
    // At the top rung's size.
    assert_eq!(jpeg_size(&read(&out.join("poster.jpg"))), (640, 360));
    // Two thumbnails (0 s and 5 s) of 160x90, in a sprite with room for a spare.
    assert_eq!(jpeg_size(&read(&out.join("thumbs.jpg"))), (480, 90));
    assert_eq!(
        String::from_utf8_lossy(&read(&out.join("thumbs.vtt"))),
        "WEBVTT\n\n00:00:00.000 --> 00:00:05.000\nthumbs.jpg#xywh=0,0,160,90\n\n\
         00:00:05.000 --> 00:00:07.000\nthumbs.jpg#xywh=160,0,160,90\n"
    );
}
