//! Rotation from a stream's display matrix, and the displayed picture size.

use ffmpeg_next::Rational;

/// How the source picture must be turned to be shown upright, from the
/// stream's display matrix (phones record portrait video this way).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rotation {
    /// Shown as stored.
    None,
    /// Turn 90° clockwise (`transpose=clock`).
    Clockwise,
    /// Turn 180° (`hflip,vflip`).
    UpsideDown,
    /// Turn 90° counter-clockwise (`transpose=cclock`).
    CounterClockwise,
}

impl Rotation {
    /// Reads a display matrix (nine native-endian `i32`, 16.16 fixed point)
    /// the way the `ffmpeg` command does: the angle is rounded to the nearest
    /// quarter turn.
    pub fn from_display_matrix(bytes: &[u8]) -> Self {
        let cell = |i: usize| -> Option<f64> {
            let b = bytes.get(i * 4..i * 4 + 4)?;
            Some(f64::from(i32::from_ne_bytes([b[0], b[1], b[2], b[3]])) / 65536.0)
        };
        let (Some(m0), Some(m1), Some(m3), Some(m4)) = (cell(0), cell(1), cell(3), cell(4)) else {
            return Self::None;
        };
        let (s0, s1) = (m0.hypot(m3), m1.hypot(m4));
        if s0 == 0.0 || s1 == 0.0 {
            return Self::None;
        }
        let degrees = (m1 / s1)
            .atan2(m0 / s0)
            .to_degrees()
            .round()
            .rem_euclid(360.0);
        match ((degrees / 90.0).round() as i64).rem_euclid(4) {
            1 => Self::Clockwise,
            2 => Self::UpsideDown,
            3 => Self::CounterClockwise,
            _ => Self::None,
        }
    }

    /// The libavfilter chain that applies the rotation, if any.
    pub fn filter(self) -> Option<&'static str> {
        match self {
            Self::None => None,
            Self::Clockwise => Some("transpose=clock"),
            Self::UpsideDown => Some("hflip,vflip"),
            Self::CounterClockwise => Some("transpose=cclock"),
        }
    }

    pub(crate) fn swaps_sides(self) -> bool {
        matches!(self, Self::Clockwise | Self::CounterClockwise)
    }
}

/// Square-pixel display size: the coded size stretched by the sample aspect
/// ratio, sides swapped by a quarter-turn rotation.
pub(crate) fn display_size(
    width: u32,
    height: u32,
    sar: Rational,
    rotation: Rotation,
) -> (u32, u32) {
    let width =
        if sar.numerator() > 0 && sar.denominator() > 0 && sar.numerator() != sar.denominator() {
            let w = f64::from(width) * f64::from(sar.numerator()) / f64::from(sar.denominator());
            w.round().max(2.0) as u32
        } else {
            width
        };
    if rotation.swaps_sides() {
        (height, width)
    } else {
        (width, height)
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    fn matrix(cells: [i32; 9]) -> Vec<u8> {
        cells.iter().flat_map(|c| c.to_ne_bytes()).collect()
    }

    #[test]
    fn display_matrix_quarter_turns() {
        let one = 1 << 16;
        assert_eq!(
            Rotation::from_display_matrix(&matrix([one, 0, 0, 0, one, 0, 0, 0, 1 << 30])),
            Rotation::None
        );
        // Portrait phone video: ffprobe says "rotation of -90", the ffmpeg command applies transpose=clock.
        assert_eq!(
            Rotation::from_display_matrix(&matrix([0, one, 0, -one, 0, 0, 0, 0, 1 << 30])),
            Rotation::Clockwise
        );
        assert_eq!(
            Rotation::from_display_matrix(&matrix([0, -one, 0, one, 0, 0, 0, 0, 1 << 30])),
            Rotation::CounterClockwise
        );
        assert_eq!(
            Rotation::from_display_matrix(&matrix([-one, 0, 0, 0, -one, 0, 0, 0, 1 << 30])),
            Rotation::UpsideDown
        );
        assert_eq!(Rotation::from_display_matrix(&[1, 2, 3]), Rotation::None);
    }

    #[test]
    fn display_size_applies_sar_and_rotation() {
        assert_eq!(
            display_size(720, 576, Rational::new(16, 15), Rotation::None),
            (768, 576)
        );
        assert_eq!(
            display_size(1920, 1080, Rational::new(0, 1), Rotation::Clockwise),
            (1080, 1920)
        );
    }
}
