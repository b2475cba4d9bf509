//! A poster an editor chose: their JPEG or PNG decoded with the FFmpeg
//! libraries and written again as a JPEG no wider than the transcoder's own
//! poster. Writing it anew drops whatever else the file carried (Exif with
//! the place a photo was taken, comments, colour profiles) and means learners'
//! browsers only ever get a picture FFmpeg could read.

use std::path::Path;

use ffmpeg_next::format::Pixel;
use ffmpeg_next::software::scaling;
use ffmpeg_next::util::frame;
use ffmpeg_next::{codec, format, media};

use crate::error::{Context, Error};
use crate::package::decode;
use crate::package::stills::{POSTER_WIDTH, write_jpeg};

/// Why an editor's picture was refused.
const NOT_A_PICTURE: &str =
    "JPEG または PNG の画像として読み込めません (not a JPEG or PNG picture)";

/// Reads the JPEG or PNG at `input`, writes the poster JPEG at `output`
/// (scaled down to at most [`POSTER_WIDTH`] pixels wide, never up) and
/// returns its width and height.
pub fn from_picture(input: &Path, output: &Path) -> Result<(u32, u32), Error> {
    crate::init()?;
    let mut source = format::input(input).map_err(|e| match e {
        ffmpeg_next::Error::Other { .. } => Error::ffmpeg("opening a picture", e),
        _ => Error::Unusable(NOT_A_PICTURE.to_owned()),
    })?;
    let stream = source
        .streams()
        .best(media::Type::Video)
        .ok_or_else(|| Error::Unusable(NOT_A_PICTURE.to_owned()))?;
    if !matches!(stream.parameters().id(), codec::Id::MJPEG | codec::Id::PNG) {
        return Err(Error::Unusable(NOT_A_PICTURE.to_owned()));
    }
    let index = stream.index();
    let mut decoder = crate::probe::open_video(&stream)?;
    let mut picture = frame::Video::empty();
    let mut decoded = false;
    for (stream, packet) in source.packets() {
        if stream.index() == index {
            decode::feed(&mut decoder, &packet)?;
            decoded = decode::receive(&mut decoder, &mut picture)?;
            if decoded {
                break;
            }
        }
    }
    if !decoded {
        decoder.send_eof().step("flushing the picture decoder")?;
        decoded = decode::receive(&mut decoder, &mut picture)?;
    }
    if !decoded {
        return Err(Error::Unusable(NOT_A_PICTURE.to_owned()));
    }
    let (width, height) = fitted(picture.width(), picture.height());
    let mut scaler = scaling::Context::get(
        picture.format(),
        picture.width(),
        picture.height(),
        Pixel::YUV420P,
        width,
        height,
        scaling::Flags::BICUBIC,
    )
    .step("preparing the poster's scaler")?;
    let mut poster = frame::Video::empty();
    scaler
        .run(&picture, &mut poster)
        .step("scaling the poster")?;
    write_jpeg(&poster, output)?;
    Ok((width, height))
}

/// The poster's size for a picture of `width` × `height`: at most
/// [`POSTER_WIDTH`] wide, the aspect ratio kept, both sides even (4:2:0).
fn fitted(width: u32, height: u32) -> (u32, u32) {
    let w = width.min(POSTER_WIDTH);
    let h = (u64::from(height) * u64::from(w) / u64::from(width).max(1)) as u32;
    ((w & !1).max(2), (h & !1).max(2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_pictures_shrink_to_the_poster_width_and_small_ones_stay() {
        assert_eq!(fitted(4032, 3024), (1280, 960));
        assert_eq!(fitted(1920, 1080), (1280, 720));
        assert_eq!(fitted(641, 479), (640, 478));
        assert_eq!(fitted(1, 1), (2, 2));
    }

    fn png(width: u32, height: u32) -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("picture.png");
        crate::synth::picture(&path, width, height).unwrap();
        std::fs::read(path).unwrap()
    }

    fn jpeg_size(bytes: &[u8]) -> (u32, u32) {
        // The first SOF0 marker: FF C0, length, precision, height, width.
        let at = bytes.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
        let be = |i: usize| u32::from(bytes[i]) << 8 | u32::from(bytes[i + 1]);
        (be(at + 7), be(at + 5))
    }

    #[test]
    fn a_png_becomes_a_jpeg_no_wider_than_the_poster() {
        let dir = tempfile::tempdir().unwrap();
        let (input, output) = (dir.path().join("upload"), dir.path().join("poster.jpg"));
        std::fs::write(&input, png(2000, 1000)).unwrap();
        assert_eq!(from_picture(&input, &output).unwrap(), (1280, 640));
        let jpeg = std::fs::read(&output).unwrap();
        assert!(jpeg.starts_with(&[0xFF, 0xD8, 0xFF]), "a JPEG");
        assert_eq!(jpeg_size(&jpeg), (1280, 640));
    }

    #[test]
    fn what_a_photo_carries_besides_the_picture_is_not_kept() {
        let dir = tempfile::tempdir().unwrap();
        let (png_file, first) = (dir.path().join("a.png"), dir.path().join("first.jpg"));
        std::fs::write(&png_file, png(320, 240)).unwrap();
        from_picture(&png_file, &first).unwrap();
        // An Exif block naming a place, right after the JPEG's start marker.
        let mut photo = std::fs::read(&first).unwrap();
        let exif = b"Exif\0\0GPS 35.6895N 139.6917E home of the editor";
        let mut app1 = vec![0xFF, 0xE1];
        app1.extend_from_slice(&u16::try_from(exif.len() + 2).unwrap().to_be_bytes());
        app1.extend_from_slice(exif);
        photo.splice(2..2, app1);
        let (input, output) = (dir.path().join("photo.jpg"), dir.path().join("poster.jpg"));
        std::fs::write(&input, &photo).unwrap();
        assert_eq!(from_picture(&input, &output).unwrap(), (320, 240));
        let poster = std::fs::read(&output).unwrap();
        assert!(photo.windows(3).any(|w| w == b"GPS"), "the input has it");
        assert!(
            !poster.windows(3).any(|w| w == b"GPS"),
            "the poster has not"
        );
    }

    #[test]
    fn anything_but_a_picture_is_the_editors_problem() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("poster.jpg");
        let text = dir.path().join("notes.txt");
        std::fs::write(&text, "これは画像ではありません\n".repeat(100)).unwrap();
        let truncated = dir.path().join("cut.png");
        std::fs::write(&truncated, &png(64, 64)[..40]).unwrap();
        let clip = dir.path().join("clip.mp4");
        let spec = crate::synth::SynthSpec {
            width: 160,
            height: 90,
            fps: 25,
            seconds: 1.0,
            pattern: "testsrc2".into(),
            tone_hz: None,
        };
        crate::synth::generate(&clip, &spec).unwrap();
        for (input, says) in [(&text, "JPEG"), (&clip, "JPEG"), (&truncated, "")] {
            match from_picture(input, &output) {
                Err(Error::Unusable(message)) => assert!(message.contains(says), "{message}"),
                other => panic!("{}: {other:?}", input.display()),
            }
        }
        assert!(!output.exists());
    }
}
