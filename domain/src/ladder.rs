//! Renditions of an adaptive ladder: what the transcoder produces and the
//! catalog reports.

use serde::{Deserialize, Serialize};

/// One rung of the ladder: a target picture height and bitrate cap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rung {
    /// Directory name of the rendition, e.g. `720p`.
    pub name: String,
    /// Output picture height in pixels (width follows the aspect ratio).
    pub height: u32,
    /// Video bitrate cap (VBV maxrate) in kbit/s.
    pub max_kbps: u32,
}

/// An ordered ladder, highest rung first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ladder {
    /// The rungs, highest first.
    pub rungs: Vec<Rung>,
}

impl Ladder {
    /// The default ladder: 1080p, 720p, 540p, 360p with capped bitrates.
    pub fn standard() -> Self {
        let rung = |h: u32, kbps: u32| Rung {
            name: format!("{h}p"),
            height: h,
            max_kbps: kbps,
        };
        Self {
            rungs: vec![
                rung(1080, 4500),
                rung(720, 2500),
                rung(540, 1200),
                rung(360, 600),
            ],
        }
    }

    /// A small ladder for tests and demos: 360p and 240p.
    pub fn small() -> Self {
        let rung = |h: u32, kbps: u32| Rung {
            name: format!("{h}p"),
            height: h,
            max_kbps: kbps,
        };
        Self {
            rungs: vec![rung(360, 600), rung(240, 300)],
        }
    }

    /// Looks a ladder up by its name (`standard`, `small`).
    pub fn named(name: &str) -> Option<Self> {
        match name {
            "standard" => Some(Self::standard()),
            "small" => Some(Self::small()),
            _ => None,
        }
    }

    /// The rungs that fit a source of `source_height` (never upscale); at least
    /// the lowest rung, scaled down to the source if it is smaller still.
    pub fn for_source(&self, source_height: u32) -> Vec<Rung> {
        let mut fit: Vec<Rung> = self
            .rungs
            .iter()
            .filter(|r| r.height <= source_height)
            .cloned()
            .collect();
        if let (true, Some(lowest)) = (fit.is_empty(), self.rungs.last()) {
            let height = source_height.max(2) & !1;
            fit.push(Rung {
                name: format!("{height}p"),
                height,
                max_kbps: lowest.max_kbps,
            });
        }
        fit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_upscales() {
        let rungs = Ladder::standard().for_source(720);
        let heights: Vec<u32> = rungs.iter().map(|r| r.height).collect();
        assert_eq!(heights, vec![720, 540, 360]);
    }

    #[test]
    fn tiny_source_gets_one_rung_at_its_own_size() {
        let rungs = Ladder::standard().for_source(241);
        assert_eq!(rungs.len(), 1);
        assert_eq!(rungs[0].height, 240);
    }
}
