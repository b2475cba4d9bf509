//! Just enough ISO BMFF parsing to check segments: boxes, `trun` sample
//! counts, and the first coded slice in `mdat`.

/// The top-level (or nested) boxes of `data`: (type, payload).
pub fn boxes(data: &[u8]) -> Vec<([u8; 4], &[u8])> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + 8 <= data.len() {
        let size = u32::from_be_bytes(data[at..at + 4].try_into().unwrap()) as usize;
        let kind: [u8; 4] = data[at + 4..at + 8].try_into().unwrap();
        let (header, size) = if size == 1 {
            (
                16,
                u64::from_be_bytes(data[at + 8..at + 16].try_into().unwrap()) as usize,
            )
        } else if size == 0 {
            (8, data.len() - at)
        } else {
            (8, size)
        };
        assert!(
            size >= header && at + size <= data.len(),
            "malformed box {:?}",
            String::from_utf8_lossy(&kind)
        );
        out.push((kind, &data[at + header..at + size]));
        at += size;
    }
    out
}

/// Payloads of every box of type `kind` found by descending through `path`.
fn find<'a>(data: &'a [u8], path: &[&[u8; 4]]) -> Vec<&'a [u8]> {
    let Some((first, rest)) = path.split_first() else {
        return vec![data];
    };
    boxes(data)
        .into_iter()
        .filter(|(k, _)| k == *first)
        .flat_map(|(_, p)| find(p, rest))
        .collect()
}

/// Total samples over every `moof/traf/trun` whose track has handler `vide`
/// (track 1 is video in our muxing: video is added first).
pub fn video_samples(segment: &[u8], video_track: u32) -> u32 {
    let mut total = 0;
    for traf in find(segment, &[b"moof", b"traf"]) {
        let tfhd = find(traf, &[b"tfhd"]);
        let track = u32::from_be_bytes(tfhd[0][4..8].try_into().unwrap());
        if track != video_track {
            continue;
        }
        for trun in find(traf, &[b"trun"]) {
            total += u32::from_be_bytes(trun[4..8].try_into().unwrap());
        }
    }
    total
}

/// NAL unit types in the first `mdat` up to and including the first coded
/// slice (types 1..=5), reading 4-byte length prefixes. The video track's
/// samples come first in each fragment's `mdat` (its `traf` is first).
pub fn nal_types_to_first_slice(segment: &[u8]) -> Vec<u8> {
    let mdat = find(segment, &[b"mdat"])
        .into_iter()
        .next()
        .expect("segment has an mdat");
    let mut types = Vec::new();
    let mut at = 0;
    while at + 5 <= mdat.len() {
        let len = u32::from_be_bytes(mdat[at..at + 4].try_into().unwrap()) as usize;
        let kind = mdat[at + 4] & 0x1f;
        types.push(kind);
        if (1..=5).contains(&kind) {
            break;
        }
        at += 4 + len;
    }
    types
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(b[at..at + 4].try_into().unwrap())
}

/// One video sample of a segment: its NAL unit types and times in track ticks.
#[derive(Debug, Clone)]
pub struct Sample {
    pub nals: Vec<u8>,
    /// Presentation time (decode time + composition offset), in track ticks.
    pub pts: i64,
}

/// For each video sample of a segment, in decode order, the NAL unit types it
/// holds — located through `trun` sizes and data offsets, so interleaved audio
/// runs are skipped.
pub fn video_sample_nals(segment: &[u8], video_track: u32) -> Vec<Vec<u8>> {
    video_sample_list(segment, video_track)
        .into_iter()
        .map(|s| s.nals)
        .collect()
}

/// Every video sample of a segment with its presentation time.
pub fn video_sample_list(segment: &[u8], video_track: u32) -> Vec<Sample> {
    let mut samples = Vec::new();
    for (kind, moof) in boxes(segment) {
        if &kind != b"moof" {
            continue;
        }
        let moof_start = moof.as_ptr() as usize - segment.as_ptr() as usize - 8;
        for traf in find(moof, &[b"traf"]) {
            let tfhd = find(traf, &[b"tfhd"])[0];
            let tf_flags = be32(tfhd, 0) & 0xff_ffff;
            if be32(tfhd, 4) != video_track {
                continue;
            }
            let tfdt = find(traf, &[b"tfdt"])[0];
            let mut dts = if tfdt[0] == 1 {
                u64::from_be_bytes(tfdt[4..12].try_into().unwrap()) as i64
            } else {
                i64::from(be32(tfdt, 4))
            };
            let mut at = 8;
            let base = if tf_flags & 0x1 != 0 {
                u64::from_be_bytes(tfhd[8..16].try_into().unwrap()) as usize
            } else {
                assert!(tf_flags & 0x2_0000 != 0, "expected default-base-is-moof");
                moof_start
            };
            at += if tf_flags & 0x1 != 0 { 8 } else { 0 };
            at += if tf_flags & 0x2 != 0 { 4 } else { 0 };
            let default_duration = (tf_flags & 0x8 != 0).then(|| be32(tfhd, at));
            at += if tf_flags & 0x8 != 0 { 4 } else { 0 };
            let default_size = (tf_flags & 0x10 != 0).then(|| be32(tfhd, at) as usize);
            for trun in find(traf, &[b"trun"]) {
                let (version, flags) = (trun[0], be32(trun, 0) & 0xff_ffff);
                let count = be32(trun, 4) as usize;
                let mut at = 8;
                let mut data = base;
                if flags & 0x1 != 0 {
                    data = (base as i64 + i64::from(be32(trun, at) as i32)) as usize;
                    at += 4;
                }
                at += if flags & 0x4 != 0 { 4 } else { 0 };
                for _ in 0..count {
                    let mut field = |present: bool| {
                        present.then(|| {
                            at += 4;
                            be32(trun, at - 4)
                        })
                    };
                    let duration = field(flags & 0x100 != 0)
                        .or(default_duration)
                        .expect("sample durations");
                    let size = field(flags & 0x200 != 0)
                        .map(|s| s as usize)
                        .or(default_size)
                        .expect("sample sizes");
                    field(flags & 0x400 != 0);
                    let cto = field(flags & 0x800 != 0).map_or(0, |c| {
                        if version == 0 {
                            i64::from(c)
                        } else {
                            i64::from(c as i32)
                        }
                    });
                    samples.push(Sample {
                        nals: nal_types(&segment[data..data + size]),
                        pts: dts + cto,
                    });
                    data += size;
                    dts += i64::from(duration);
                }
            }
        }
    }
    samples
}

/// The timescale of the first track (`moov/trak/mdia/mdhd`) of an init segment.
pub fn timescale(init: &[u8]) -> u32 {
    let mdhd = find(init, &[b"moov", b"trak", b"mdia", b"mdhd"])[0];
    // version 1: 8-byte creation and modification times; version 0: 4-byte.
    if mdhd[0] == 1 {
        be32(mdhd, 20)
    } else {
        be32(mdhd, 12)
    }
}

fn nal_types(sample: &[u8]) -> Vec<u8> {
    let mut types = Vec::new();
    let mut at = 0;
    while at + 5 <= sample.len() {
        types.push(sample[at + 4] & 0x1f);
        at += 4 + be32(sample, at) as usize;
    }
    types
}
