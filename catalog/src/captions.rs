//! Captions (字幕): an editor's WebVTT or SRT file, in UTF-8 (with or without
//! BOM) or Shift_JIS (CP932), checked and converted to clean WebVTT
//! (W3C WebVTT), then offered in HLS as a subtitles rendition (RFC 8216
//! §4.3.4.1 `EXT-X-MEDIA:TYPE=SUBTITLES`).

use std::fmt::Write as _;

/// Largest caption file accepted.
pub const MAX_BYTES: usize = 2 * 1024 * 1024;

/// One cue: start and end in milliseconds, optional settings, text lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cue {
    /// Start, ms.
    pub start_ms: u64,
    /// End, ms (after start).
    pub end_ms: u64,
    /// WebVTT cue settings (`line:0 align:start`), empty for SRT.
    pub settings: String,
    /// The text, one or more lines.
    pub text: String,
}

/// A problem at a line of the uploaded file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// 1-based line number in the file.
    pub line: usize,
    /// What is wrong, Japanese then English.
    pub message: String,
}

/// Why a caption file was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CaptionError {
    /// Too large.
    #[error("字幕ファイルが大きすぎます（上限 2 MiB） (caption file too large)")]
    TooLarge,
    /// Neither UTF-8 nor Shift_JIS.
    #[error(
        "字幕ファイルの文字コードを判別できません。UTF-8 または Shift_JIS で保存してください (not UTF-8 or Shift_JIS)"
    )]
    Encoding,
    /// No cue in the file.
    #[error("字幕がひとつも含まれていません (no cues found)")]
    Empty,
    /// Lines that could not be read.
    #[error("字幕ファイルに誤りがあります: {}", .0.iter().take(5).map(|e| format!("{}行目: {}", e.line, e.message)).collect::<Vec<_>>().join(" / "))]
    Lines(Vec<LineError>),
}

/// Decodes the bytes: UTF-8 (BOM removed) when valid, else Shift_JIS.
pub fn decode(bytes: &[u8]) -> Result<String, CaptionError> {
    if bytes.len() > MAX_BYTES {
        return Err(CaptionError::TooLarge);
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_owned());
    }
    let (text, _, had_errors) = encoding_rs::SHIFT_JIS.decode(bytes);
    if had_errors {
        Err(CaptionError::Encoding)
    } else {
        Ok(text.into_owned())
    }
}

/// Parses WebVTT (starts with `WEBVTT`) or SRT into cues.
pub fn parse(text: &str) -> Result<Vec<Cue>, CaptionError> {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<&str> = text.lines().collect();
    let is_vtt = lines
        .first()
        .is_some_and(|l| l.trim_start_matches('\u{feff}').starts_with("WEBVTT"));
    // Blocks are separated by blank lines; each remembers its first line number.
    let mut blocks: Vec<(usize, Vec<&str>)> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match blocks.last_mut() {
            Some((_, block)) if i > 0 && !lines[i - 1].trim().is_empty() => block.push(line),
            _ => blocks.push((i + 1, vec![line])),
        }
    }
    let mut cues = Vec::new();
    let mut errors = Vec::new();
    for (first, block) in blocks.into_iter().skip(usize::from(is_vtt)) {
        if is_vtt
            && ["NOTE", "STYLE", "REGION"]
                .iter()
                .any(|k| block[0].starts_with(k))
        {
            continue;
        }
        // The timing line is the first or (after an id / SRT index) the second.
        let Some(at) = block.iter().take(2).position(|l| l.contains("-->")) else {
            errors.push(LineError {
                line: first,
                message: "時刻の行（00:00:01.000 --> 00:00:04.000）がありません (no timing line)"
                    .into(),
            });
            continue;
        };
        match timing(block[at]) {
            Some((start_ms, end_ms, settings)) if end_ms > start_ms => {
                let text: Vec<String> = block[at + 1..]
                    .iter()
                    .map(|l| clean_text(l))
                    .filter(|l| !l.is_empty())
                    .collect();
                if text.is_empty() {
                    errors.push(LineError {
                        line: first + at,
                        message: "字幕の文字がありません (cue has no text)".into(),
                    });
                } else {
                    cues.push(Cue {
                        start_ms,
                        end_ms,
                        settings: if is_vtt { settings } else { String::new() },
                        text: text.join("\n"),
                    });
                }
            }
            Some(_) => errors.push(LineError {
                line: first + at,
                message: "終了時刻が開始時刻より前です (end before start)".into(),
            }),
            None => errors.push(LineError {
                line: first + at,
                message: "時刻の形式が正しくありません (bad timestamp)".into(),
            }),
        }
    }
    if !errors.is_empty() {
        return Err(CaptionError::Lines(errors));
    }
    if cues.is_empty() {
        return Err(CaptionError::Empty);
    }
    cues.sort_by_key(|c| c.start_ms);
    Ok(cues)
}

/// `00:00:01,000 --> 00:00:04,000 settings` (SRT comma or WebVTT dot; hours optional).
fn timing(line: &str) -> Option<(u64, u64, String)> {
    let (start, rest) = line.split_once("-->")?;
    let rest = rest.trim();
    let (end, settings) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    Some((
        timestamp(start.trim())?,
        timestamp(end)?,
        settings.trim().to_owned(),
    ))
}

fn timestamp(s: &str) -> Option<u64> {
    let (clock, millis) = s.rsplit_once(['.', ','])?;
    if millis.len() != 3 {
        return None;
    }
    let millis: u64 = millis.parse().ok()?;
    let parts: Vec<u64> = clock
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let (h, m, sec) = match parts[..] {
        [h, m, s] => (h, m, s),
        [m, s] => (0, m, s),
        _ => return None,
    };
    (m < 60 && sec < 60).then_some(((h * 60 + m) * 60 + sec) * 1000 + millis)
}

/// Removes SRT's ASS-style overrides (`{\an8}`) and arrows that would end a cue.
fn clean_text(line: &str) -> String {
    let mut out = String::new();
    let mut in_override = false;
    for c in line.chars() {
        match c {
            '{' => in_override = true,
            '}' if in_override => in_override = false,
            _ if !in_override => out.push(c),
            _ => {}
        }
    }
    out.replace("-->", "→").trim().to_owned()
}

/// Writes cues as WebVTT.
pub fn to_webvtt(cues: &[Cue]) -> String {
    let mut out = String::from("WEBVTT\n");
    for cue in cues {
        let settings = if cue.settings.is_empty() {
            String::new()
        } else {
            format!(" {}", cue.settings)
        };
        let _ = write!(
            out,
            "\n{} --> {}{settings}\n{}\n",
            domain::webvtt::timestamp(cue.start_ms),
            domain::webvtt::timestamp(cue.end_ms),
            cue.text
        );
    }
    out
}

/// The one-segment HLS media playlist of a caption file for a video of
/// `duration_s` seconds.
pub fn media_playlist(vtt_name: &str, duration_s: f64) -> String {
    let target = duration_s.ceil().max(1.0) as u64;
    format!(
        "#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:{target}\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:{duration_s:.3},\n{vtt_name}\n#EXT-X-ENDLIST\n"
    )
}

/// Sets a master playlist's subtitles group to one rendition per
/// `(language, name, uri)` and names it on every video variant; with no
/// tracks, removes the group and its mentions.
pub fn set_in_master(master: &str, tracks: &[(String, String, String)]) -> String {
    const GROUP: &str = "subs";
    let mut out = String::new();
    let mut declared = false;
    for line in master.lines() {
        if line.starts_with("#EXT-X-MEDIA:TYPE=SUBTITLES") {
            continue; // declared afresh below
        }
        let variant = line.starts_with("#EXT-X-STREAM-INF:");
        // The group is declared before the first variant that names it.
        if !declared && (variant || line.starts_with("#EXT-X-I-FRAME-STREAM-INF:")) {
            for (i, (lang, name, uri)) in tracks.iter().enumerate() {
                let default = if i == 0 { "YES" } else { "NO" };
                let _ = writeln!(
                    out,
                    "#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"{GROUP}\",LANGUAGE=\"{lang}\",NAME=\"{name}\",DEFAULT={default},AUTOSELECT=YES,URI=\"{uri}\""
                );
            }
            declared = true;
        }
        // Video variants (they have a RESOLUTION) show the subtitles; the audio-only one cannot.
        let line = line.replace(&format!(",SUBTITLES=\"{GROUP}\""), "");
        if variant && line.contains("RESOLUTION=") && !tracks.is_empty() {
            let _ = writeln!(out, "{line},SUBTITLES=\"{GROUP}\"");
        } else {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRT: &str = "1\r\n00:00:01,000 --> 00:00:04,500\r\n{\\an8}ようこそ、研修へ。\r\n\r\n2\r\n00:00:05,000 --> 00:00:07,000\r\n二行目の\r\n字幕です\r\n";

    #[test]
    fn srt_in_shift_jis_becomes_webvtt() {
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(SRT);
        let cues = parse(&decode(&sjis).unwrap()).unwrap();
        assert_eq!(
            to_webvtt(&cues),
            "WEBVTT\n\n00:00:01.000 --> 00:00:04.500\nようこそ、研修へ。\n\n00:00:05.000 --> 00:00:07.000\n二行目の\n字幕です\n"
        );
    }

    #[test]
    fn webvtt_with_bom_notes_ids_and_settings_round_trips() {
        let vtt = "\u{feff}WEBVTT - 研修\n\nNOTE 作成者メモ\n\nintro\n00:01.000 --> 00:02.000 line:0 align:start\n<v 講師>こんにちは\n";
        let cues = parse(&decode(vtt.as_bytes()).unwrap()).unwrap();
        assert_eq!(
            cues,
            vec![Cue {
                start_ms: 1000,
                end_ms: 2000,
                settings: "line:0 align:start".into(),
                text: "<v 講師>こんにちは".into()
            }]
        );
        assert_eq!(parse(&to_webvtt(&cues)).unwrap(), cues);
    }

    #[test]
    fn bad_lines_are_reported_with_their_numbers() {
        let bad = "1\n00:00:01,000 --> 00:00:0x,000\ntext\n\n2\n00:00:05,000 --> 00:00:04,000\ntext\n\n3\nno timing here\n";
        let Err(CaptionError::Lines(errors)) = parse(bad) else {
            panic!("should fail")
        };
        assert_eq!(
            errors.iter().map(|e| e.line).collect::<Vec<_>>(),
            vec![2, 6, 9]
        );
        assert_eq!(parse("WEBVTT\n"), Err(CaptionError::Empty));
        assert_eq!(
            decode(b"\x82\x20\x82"),
            Err(CaptionError::Encoding),
            "a lead byte without its trail byte"
        );
    }

    #[test]
    fn the_master_gains_and_loses_a_subtitles_group_named_by_every_video_variant() {
        let master = "#EXTM3U\n#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360,CODECS=\"avc1.64001e,mp4a.40.2\"\n360p/index.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=110000,CODECS=\"mp4a.40.2\"\naudio/index.m3u8\n";
        let tracks = [(
            "ja".to_owned(),
            "日本語".to_owned(),
            "captions/ja.m3u8".to_owned(),
        )];
        let once = set_in_master(master, &tracks);
        assert_eq!(
            once,
            "#EXTM3U\n#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"subs\",LANGUAGE=\"ja\",NAME=\"日本語\",DEFAULT=YES,AUTOSELECT=YES,URI=\"captions/ja.m3u8\"\n#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360,CODECS=\"avc1.64001e,mp4a.40.2\",SUBTITLES=\"subs\"\n360p/index.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=110000,CODECS=\"mp4a.40.2\"\naudio/index.m3u8\n"
        );
        assert_eq!(
            set_in_master(&once, &tracks),
            once,
            "applying twice changes nothing"
        );
        assert_eq!(
            set_in_master(&once, &[]),
            master,
            "no tracks: back to the original"
        );
        assert!(m3u8_rs::parse_master_playlist_res(once.as_bytes()).is_ok());
    }
}
