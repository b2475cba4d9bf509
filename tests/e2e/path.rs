//! The whole path: upload → ready → publish → play → master → variant → init
//! → segment → tampered 403 → heartbeats → report.

use crate::app::{Session, TestApp, clip, get_text, spawn_app, spawn_role};
use domain::{Grant, PlaybackSessionId, Role, VideoId};
use jiff::{SignedDuration, Timestamp};
use m3u8_rs::Playlist;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Uploads a 6.5 s clip, waits until it is ready and publishes it in a course.
pub async fn upload_and_publish(app: &TestApp, editor: &Session) -> i64 {
    let bytes = std::fs::read(clip(app.data_dir(), 6.5)).unwrap();
    let resp = editor.upload("%E7%A0%94%E4%BF%AE.mp4", bytes).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["status"], "queued");
    let id = body["id"].as_i64().unwrap();
    let (video, seen) = editor.wait_video(id).await;
    assert_eq!(video["status"], "ready", "{video}");
    assert_eq!(video["title"], "研修.mp4");
    assert!(
        seen.iter()
            .all(|s| ["queued", "processing", "ready"].contains(&s.as_str())),
        "{seen:?}"
    );
    assert!(
        (video["duration_s"].as_f64().unwrap() - 6.5).abs() < 0.2,
        "{video}"
    );
    assert_eq!(
        video["renditions"].as_array().unwrap().len(),
        2,
        "small ladder: 360p and 240p"
    );

    let course: Value = editor
        .post(
            "/api/v1/courses",
            &json!({"category_id": 5, "title": "ハラスメント防止研修", "lessons": [{"title": "第1回", "video_id": id}]}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(course["status"], "draft");
    let course_id = course["id"].as_i64().unwrap();
    let published = editor
        .post(&format!("/api/v1/courses/{course_id}/publish"), &json!({}))
        .await;
    assert_eq!(published.status(), StatusCode::OK);
    id
}

#[tokio::test]
async fn upload_play_heartbeat_and_report_walk_the_whole_path() {
    let app = spawn_app().await;
    app.add_user("editor@city.example.jp", Role::Editor).await;
    app.add_user("learner@city.example.jp", Role::Learner).await;
    app.add_user("admin@city.example.jp", Role::Admin).await;
    let editor = app.login("editor@city.example.jp").await;
    let video = upload_and_publish(&app, &editor).await;

    // The learner sees the published course in its domain and plays it.
    let learner = app.login("learner@city.example.jp").await;
    let cats: Value = learner
        .get("/api/v1/categories")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cats["items"].as_array().unwrap().len(), 7);
    assert_eq!(cats["items"][4]["name"], "組織統制");
    assert_eq!(cats["items"][4]["course_count"], 1);
    let played_at = Instant::now();
    let play: Value = learner.play(video).await;
    let master_url = play["master_url"].as_str().unwrap().to_owned();
    let session_id = play["session_id"].as_str().unwrap().to_owned();
    assert_eq!(play["resume_position_s"], 0.0);
    let poster = TestApp::client()
        .get(learner.url(play["poster_url"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(poster.headers()["content-type"], "image/jpeg");
    assert_eq!(
        &poster.bytes().await.unwrap()[..2],
        b"\xFF\xD8",
        "a JPEG poster"
    );
    let thumbs = TestApp::client()
        .get(learner.url(play["thumbnails_url"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert!(thumbs.text().await.unwrap().starts_with("WEBVTT"));

    // Master → variant → init segment → media segment, following relative URIs.
    let anonymous = TestApp::client();
    let master = anonymous
        .get(learner.url(&master_url))
        .send()
        .await
        .unwrap();
    assert_eq!(master.status(), StatusCode::OK);
    assert_eq!(
        master.headers()["content-type"],
        "application/vnd.apple.mpegurl"
    );
    let master_text = master.bytes().await.unwrap();
    let Ok((_, Playlist::MasterPlaylist(m))) = m3u8_rs::parse_playlist(&master_text) else {
        panic!("not a master playlist")
    };
    let video_variants: Vec<_> = m
        .variants
        .iter()
        .filter(|v| !v.is_i_frame && v.resolution.is_some())
        .collect();
    assert_eq!(video_variants.len(), 2, "360p and 240p");
    assert!(
        video_variants[0]
            .codecs
            .as_deref()
            .unwrap()
            .starts_with("avc1.64")
    );
    assert_eq!(
        m.variants.iter().filter(|v| v.is_i_frame).count(),
        2,
        "an I-frame playlist per video rung"
    );
    let audio_only = m
        .variants
        .iter()
        .filter(|v| v.resolution.is_none() && !v.is_i_frame)
        .count();
    assert_eq!(audio_only, 1, "an audio-only rung for very low bandwidth");
    let base = learner
        .url(&master_url)
        .rsplit_once('/')
        .unwrap()
        .0
        .to_owned();
    let variant_url = format!("{base}/{}", video_variants[0].uri);
    let variant = anonymous
        .get(&variant_url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let Ok((_, Playlist::MediaPlaylist(media))) = m3u8_rs::parse_playlist(&variant) else {
        panic!("not a media playlist")
    };
    assert!(media.end_list);
    let variant_dir = variant_url.rsplit_once('/').unwrap().0.to_owned();
    let init_uri = &media.segments[0].map.as_ref().unwrap().uri;
    let init = anonymous
        .get(format!("{variant_dir}/{init_uri}"))
        .send()
        .await
        .unwrap();
    assert_eq!(init.status(), StatusCode::OK);
    assert_eq!(
        init.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(&init.bytes().await.unwrap()[4..8], b"ftyp");
    let segment_url = format!("{variant_dir}/{}", media.segments[0].uri);
    let segment = anonymous.get(&segment_url).send().await.unwrap();
    assert_eq!(segment.status(), StatusCode::OK);
    let segment_bytes = segment.bytes().await.unwrap();
    assert!(
        segment_bytes.windows(4).any(|w| w == b"moof"),
        "an fMP4 media segment"
    );

    // Byte ranges and conditional requests.
    let part = anonymous
        .get(&segment_url)
        .header("range", "bytes=0-99")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
    let etag = part.headers()["etag"].clone();
    assert_eq!(part.bytes().await.unwrap(), segment_bytes.slice(0..100));
    let cached = anonymous
        .get(&segment_url)
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(cached.status(), StatusCode::NOT_MODIFIED);

    // A tampered token, another video's path, an expired grant, no token: 403, no media bytes.
    let catalog = app.app.as_ref().unwrap().catalog().unwrap();
    let token = master_url.split('/').nth(4).unwrap().to_owned();
    let mut tampered = token.clone().into_bytes();
    let last = tampered.len() - 1;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    let now = Timestamp::now();
    let expired = Grant {
        video: VideoId::new(video),
        session: session_id.parse::<PlaybackSessionId>().unwrap(),
        site: "default".into(),
        not_before: now - SignedDuration::from_secs(1200),
        expires: now - SignedDuration::from_secs(600),
    }
    .sign(&catalog.state.keys)
    .unwrap();
    for url in [
        segment_url.replace(&token, &tampered),
        segment_url.replace(&format!("/v/{video}/"), &format!("/v/{}/", video + 1)),
        segment_url.replace(&token, &expired),
        format!("{}/media/v/{video}/master.m3u8", app.base),
        format!("{}/media/v/{video}/{token}/../../../catalog.db", app.base),
    ] {
        let resp = anonymous.get(&url).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{url}");
        assert_eq!(resp.headers()["cache-control"], "no-store");
        assert_eq!(resp.bytes().await.unwrap(), "forbidden\n");
    }

    // Heartbeats: an absurd claim is capped by the wall clock; repeats count once.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let hb = format!("/api/v1/play/{session_id}/heartbeat");
    let first: Value = learner
        .post(
            &hb,
            &json!({"seq": 1, "position_s": 6.0, "played": [[0.0, 6.5]], "rate": 0.25}),
        )
        .await
        .json()
        .await
        .unwrap();
    let elapsed = played_at.elapsed().as_secs_f64();
    let credited = first["credited_seconds"].as_f64().unwrap();
    assert!(
        credited > 1.0 && credited <= elapsed,
        "credited {credited} s after {elapsed} s"
    );
    let repeat: Value = learner
        .post(
            &hb,
            &json!({"seq": 1, "position_s": 6.0, "played": [[0.0, 6.5]], "rate": 0.25}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(repeat["credited_seconds"], 0.0);
    let out_of_range = learner
        .post(
            &hb,
            &json!({"seq": 2, "position_s": 1.0, "played": [[0.0, 3600.0]], "rate": 1.0}),
        )
        .await;
    assert_eq!(out_of_range.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let other = app
        .login("editor@city.example.jp")
        .await
        .post(
            &hb,
            &json!({"seq": 9, "position_s": 1.0, "played": [], "rate": 1.0}),
        )
        .await;
    assert_eq!(
        other.status(),
        StatusCode::FORBIDDEN,
        "only the session's user may send heartbeats"
    );

    // The report shows the learner's seconds today (Asia/Tokyo).
    let admin = app.login("admin@city.example.jp").await;
    let today = Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::get("Asia/Tokyo").unwrap())
        .date();
    let report: Value = admin
        .get(&format!(
            "/api/v1/reports/viewing?from={today}&to={today}&granularity=day"
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report["timezone"], "Asia/Tokyo");
    assert_eq!(report["periods"], json!([today.to_string()]));
    let row = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["email"] == "learner@city.example.jp")
        .unwrap();
    assert_eq!(row["seconds"][0].as_i64().unwrap(), credited.round() as i64);
    assert_eq!(report["totals"]["total_seconds"], row["total_seconds"]);

    // Resume: the next play starts where the last heartbeat left off (unless at the end).
    let again: Value = learner.play(video).await;
    assert_eq!(
        again["resume_position_s"], 0.0,
        "6.0 of 6.5 s is the end: start over"
    );
    app.app.unwrap().shutdown().await;
}

#[tokio::test]
async fn unusable_uploads_fail_with_a_reason_and_the_worker_keeps_going() {
    let app = spawn_app().await;
    app.add_user("editor@city.example.jp", Role::Editor).await;
    let editor = app.login("editor@city.example.jp").await;

    let empty = editor.upload("empty.mp4", Vec::new()).await;
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let good = std::fs::read(clip(app.data_dir(), 4.0)).unwrap();
    let truncated = good[..good.len() / 2].to_vec();
    let mut ids = Vec::new();
    for (name, bytes) in [
        ("notes.mp4", b"this is not a video at all".repeat(100)),
        ("truncated.mp4", truncated),
    ] {
        let body: Value = editor.upload(name, bytes).await.json().await.unwrap();
        ids.push(body["id"].as_i64().unwrap());
    }
    for id in ids {
        let (video, _) = editor.wait_video(id).await;
        assert_eq!(video["status"], "failed", "{video}");
        let reason = video["error"].as_str().unwrap();
        assert!(
            reason.chars().any(|c| c > '\u{3000}') && reason.contains('('),
            "Japanese and English reason: {reason}"
        );
    }
    // The worker survived: a good upload still becomes ready.
    let body: Value = editor.upload("good.mp4", good).await.json().await.unwrap();
    let (video, _) = editor.wait_video(body["id"].as_i64().unwrap()).await;
    assert_eq!(video["status"], "ready");

    let too_big = editor.upload("big.mp4", vec![0u8; 5_000_001]).await;
    assert_eq!(too_big.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: Value = too_big.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_large");
    let uploads = std::fs::read_dir(app.data_dir().join("uploads"))
        .unwrap()
        .count();
    assert_eq!(
        uploads, 0,
        "refused and finished uploads leave no temporary files"
    );
    app.app.unwrap().shutdown().await;
}

#[tokio::test]
async fn captions_in_shift_jis_srt_become_an_hls_subtitles_rendition() {
    // The origin re-reads playlists and captions after their max-age.
    let max_age = Duration::from_secs(1);
    let app = spawn_role(
        manabi::roles::Role::All,
        tempfile::tempdir().unwrap(),
        &[("MANABI_ORIGIN__PLAYLIST_MAX_AGE_SECONDS", "1")],
    )
    .await;
    app.add_user("editor@city.example.jp", Role::Editor).await;
    let editor = app.login("editor@city.example.jp").await;
    let body: Value = editor
        .upload(
            "captioned.mp4",
            std::fs::read(clip(app.data_dir(), 4.0)).unwrap(),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = body["id"].as_i64().unwrap();
    let upload_captions = |query: &'static str, bytes: Vec<u8>| {
        let url = editor.url(&format!("/api/v1/videos/{id}/captions{query}"));
        let req = editor
            .client
            .post(url)
            .header("x-csrf-token", &editor.csrf)
            .body(bytes);
        async move { req.send().await.unwrap() }
    };

    // Uploaded while the video is still processing, in Shift_JIS with CRLF.
    let srt = "1\r\n00:00:00,500 --> 00:00:02,000\r\nようこそ\r\n\r\n2\r\n00:00:02,000 --> 00:00:03,500\r\n研修を始めます\r\n";
    let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(srt);
    let created = upload_captions("", sjis.into_owned()).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.unwrap();
    assert_eq!(
        (created["lang"].as_str(), created["cues"].as_i64()),
        (Some("ja"), Some(2))
    );

    let bad = upload_captions(
        "?lang=en",
        b"1\n00:00:01,000 --> 00:00:00,500\nbackwards\n".to_vec(),
    )
    .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let message: Value = bad.json().await.unwrap();
    assert!(
        message["error"]["message"]
            .as_str()
            .unwrap()
            .contains("2行目"),
        "{message}"
    );
    assert_eq!(
        upload_captions("?lang=../x", b"WEBVTT\n".to_vec())
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );

    let (video, _) = editor.wait_video(id).await;
    assert_eq!(video["status"], "ready");
    assert_eq!(video["captions"][0]["lang"], "ja");

    // Added after the video is ready: English too.
    let vtt = "WEBVTT\n\n00:00.500 --> 00:02.000\nWelcome\n";
    assert_eq!(
        upload_captions("?lang=en", vtt.as_bytes().to_vec())
            .await
            .status(),
        StatusCode::CREATED
    );

    let play: Value = editor
        .post(&format!("/api/v1/videos/{id}/play"), &json!({}))
        .await
        .json()
        .await
        .unwrap();
    let master_url = editor.url(play["master_url"].as_str().unwrap());
    let master = get_text(&editor.client, &master_url).await;
    let Ok((_, Playlist::MasterPlaylist(m))) = m3u8_rs::parse_playlist(master.as_bytes()) else {
        panic!("{master}")
    };
    let subs: Vec<_> = m
        .alternatives
        .iter()
        .filter(|a| a.media_type == m3u8_rs::AlternativeMediaType::Subtitles)
        .collect();
    assert_eq!(
        subs.iter()
            .map(|a| a.language.clone().unwrap())
            .collect::<Vec<_>>(),
        vec!["ja", "en"],
        "{master}"
    );
    assert!(
        m.variants
            .iter()
            .filter(|v| v.resolution.is_some() && !v.is_i_frame)
            .all(|v| v.subtitles.as_deref() == Some("subs")),
        "{master}"
    );
    let base = master_url.rsplit_once('/').unwrap().0.to_owned();
    let vtt = editor
        .client
        .get(format!("{base}/captions/ja.vtt"))
        .send()
        .await
        .unwrap();
    assert_eq!(vtt.headers()["content-type"], "text/vtt; charset=utf-8");
    assert_eq!(
        vtt.text().await.unwrap(),
        "WEBVTT\n\n00:00:00.500 --> 00:00:02.000\nようこそ\n\n00:00:02.000 --> 00:00:03.500\n研修を始めます\n"
    );
    let playlist = get_text(&editor.client, format!("{base}/captions/ja.m3u8")).await;
    assert!(
        playlist.contains("ja.vtt") && playlist.contains("#EXT-X-ENDLIST"),
        "{playlist}"
    );

    // A wrong track can be taken away again: from the master and the store.
    let delete = |lang: &str| {
        let url = editor.url(&format!("/api/v1/videos/{id}/captions/{lang}"));
        let req = editor
            .client
            .delete(url)
            .header("x-csrf-token", &editor.csrf);
        async move { req.send().await.unwrap().status() }
    };
    assert_eq!(delete("en").await, StatusCode::NO_CONTENT);
    assert_eq!(delete("en").await, StatusCode::NOT_FOUND);
    tokio::time::sleep(max_age + Duration::from_millis(100)).await;
    let master = get_text(&editor.client, &master_url).await;
    assert!(
        master.contains("LANGUAGE=\"ja\"") && !master.contains("LANGUAGE=\"en\""),
        "{master}"
    );
    let gone = editor
        .client
        .get(format!("{base}/captions/en.vtt"))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    assert_eq!(delete("ja").await, StatusCode::NO_CONTENT);
    tokio::time::sleep(max_age + Duration::from_millis(100)).await;
    let master = get_text(&editor.client, &master_url).await;
    assert!(
        !master.contains("SUBTITLES"),
        "no tracks, no subtitles group: {master}"
    );
    assert!(m3u8_rs::parse_master_playlist_res(master.as_bytes()).is_ok());
}

/// What the player shows before `video` plays: the poster's URL and bytes.
async fn shown(session: &Session, video: i64) -> (String, Vec<u8>) {
    let url = format!("/api/v1/videos/{video}/play");
    let play: Value = session.post(&url, &json!({})).await.json().await.unwrap();
    let poster_url = play["poster_url"].as_str().unwrap().to_owned();
    let resp = TestApp::client()
        .get(session.url(&poster_url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK, "{poster_url}");
    assert_eq!(resp.headers()["content-type"], "image/jpeg");
    (poster_url, resp.bytes().await.unwrap().to_vec())
}

/// The posters in the media store under `dir`: file names, sorted.
fn stored_posters(dir: &std::path::Path) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let (path, name) = (
            entry.path(),
            entry.file_name().to_string_lossy().into_owned(),
        );
        if path.is_dir() {
            found.extend(stored_posters(&path));
        } else if name.starts_with("poster") && name.ends_with(".jpg") {
            found.push(name);
        }
    }
    found.sort();
    found
}

#[tokio::test]
async fn an_editors_own_picture_becomes_the_poster_learners_see() {
    let app = spawn_app().await;
    app.add_user("editor@city.example.jp", Role::Editor).await;
    app.add_user("learner@city.example.jp", Role::Learner).await;
    app.add_user("admin@city.example.jp", Role::Admin).await;
    let editor = app.login("editor@city.example.jp").await;
    let learner = app.login("learner@city.example.jp").await;
    let id = upload_and_publish(&app, &editor).await;
    let poster_path = format!("/api/v1/videos/{id}/poster");
    let put = |session: &Session, bytes: Vec<u8>| {
        let req = session
            .client
            .put(session.url(&poster_path))
            .header("x-csrf-token", &session.csrf)
            .header("content-type", "image/png")
            .body(bytes);
        async move { req.send().await.unwrap() }
    };
    let picture = |w: u32, h: u32| {
        let path = app.data_dir().join(format!("picture-{w}x{h}.png"));
        transcoder::synth::picture(&path, w, h).unwrap();
        std::fs::read(path).unwrap()
    };
    // At first, the picture the transcoder drew.
    let video: Value = editor
        .get(&format!("/api/v1/videos/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(video["poster"], "poster.jpg");
    let drawn = editor.get(&poster_path).await;
    assert_eq!(drawn.status(), StatusCode::OK);
    assert_eq!(drawn.headers()["content-type"], "image/jpeg");
    let drawn = drawn.bytes().await.unwrap().to_vec();
    assert_eq!(shown(&learner, id).await.1, drawn);

    // Not a picture: refused with a reason, nothing changes.
    let text = put(&editor, "表紙の画像ではありません".repeat(50).into_bytes()).await;
    assert_eq!(text.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = text.json().await.unwrap();
    assert!(
        body["error"]["message"].as_str().unwrap().contains("JPEG"),
        "{body}"
    );
    let too_big = put(&editor, vec![0u8; 10 * 1024 * 1024 + 1]).await;
    assert_eq!(too_big.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        put(&learner, picture(64, 64)).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(stored_posters(app.data_dir()), ["poster.jpg"]);

    // The editor's picture, shrunk to the poster's width, is what learners see.
    let first = put(&editor, picture(1600, 900)).await;
    assert_eq!(first.status(), StatusCode::OK);
    let first: Value = first.json().await.unwrap();
    assert_eq!(
        (first["width"].as_u64(), first["height"].as_u64()),
        (Some(1280), Some(720))
    );
    let name = first["poster"].as_str().unwrap().to_owned();
    assert!(
        name.starts_with("poster-") && name.ends_with(".jpg"),
        "{name}"
    );
    let video: Value = editor
        .get(&format!("/api/v1/videos/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(video["poster"], name.as_str());
    let own = editor
        .get(&poster_path)
        .await
        .bytes()
        .await
        .unwrap()
        .to_vec();
    assert_ne!(own, drawn);
    let (url, seen) = shown(&learner, id).await;
    assert!(url.ends_with(&format!("/{name}")), "a new name: {url}");
    assert_eq!(seen, own);

    // Another picture replaces it; the first is removed, the drawn one kept.
    let second: Value = put(&editor, picture(640, 480)).await.json().await.unwrap();
    let second_name = second["poster"].as_str().unwrap().to_owned();
    assert_ne!(second_name, name);
    assert_eq!(
        stored_posters(app.data_dir()),
        [second_name, "poster.jpg".to_owned()]
    );

    // Back to the drawn one, twice (the second changes nothing).
    for _ in 0..2 {
        let back = editor
            .send(reqwest::Method::DELETE, &poster_path, None)
            .await;
        assert_eq!(back.status(), StatusCode::NO_CONTENT);
    }
    let video: Value = editor
        .get(&format!("/api/v1/videos/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(video["poster"], "poster.jpg");
    assert_eq!(stored_posters(app.data_dir()), ["poster.jpg"]);
    assert_eq!(shown(&learner, id).await.1, drawn);

    // A video that never became ready gets no poster.
    let failed: Value = editor
        .upload("notes.mp4", b"not a video".repeat(100))
        .await
        .json()
        .await
        .unwrap();
    let failed = failed["id"].as_i64().unwrap();
    assert_eq!(editor.wait_video(failed).await.0["status"], "failed");
    let refused = editor
        .client
        .put(editor.url(&format!("/api/v1/videos/{failed}/poster")))
        .header("x-csrf-token", &editor.csrf)
        .body(picture(64, 64))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::CONFLICT);

    let admin = app.login("admin@city.example.jp").await;
    let audit: Value = admin.get("/api/v1/audit").await.json().await.unwrap();
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(
        actions.iter().filter(|a| **a == "video.poster").count(),
        2,
        "{actions:?}"
    );
    assert!(actions.contains(&"video.poster.delete"), "{actions:?}");
    let uploads = std::fs::read_dir(app.data_dir().join("uploads"))
        .unwrap()
        .count();
    assert_eq!(uploads, 0, "no temporary files left");
}

#[tokio::test]
async fn a_separate_origin_process_serves_what_the_catalog_grants() {
    // The origin alone (its own HTTP/1.1 server), then the rest of the service
    // on the same data directory (shared grant keys and media), pointing its
    // media URLs at that origin. An origin makes no key of its own: it
    // refuses to start until it has the key file its catalog signs with.
    let data = tempfile::tempdir().unwrap();
    let config = crate::app::test_config(data.path(), &[]);
    let refused = manabi::roles::start(&config, manabi::roles::Role::Origin).await;
    let refused = format!(
        "{:#}",
        refused.err().expect("an origin without keys starts")
    );
    assert!(refused.contains("grant key file"), "{refused}");
    assert!(!config.keys_file().exists());
    config.grant_keys(true).unwrap();
    let origin = spawn_role(manabi::roles::Role::Origin, data, &[]).await;
    let mut config = crate::app::test_config(origin.data_dir(), &[]);
    config.catalog.origin_url = origin.base.clone();
    let app = crate::app::spawn_config(
        manabi::roles::Role::All,
        tempfile::tempdir().unwrap(),
        config,
    )
    .await;
    app.add_user("editor@city.example.jp", Role::Editor).await;
    let editor = app.login("editor@city.example.jp").await;
    let video = upload_and_publish(&app, &editor).await;
    let play: Value = editor.play(video).await;
    let master_url = play["master_url"].as_str().unwrap();
    assert!(master_url.starts_with(&origin.base), "{master_url}");
    // Pages may load media, posters included, from that origin, and from no other.
    let client = TestApp::client();
    let page = client.get(format!("{}/", app.base)).send().await.unwrap();
    let csp = page.headers()["content-security-policy"].to_str().unwrap();
    for directive in ["img-src", "media-src", "connect-src"] {
        let sources = csp
            .split(';')
            .map(str::trim)
            .find_map(|d| d.strip_prefix(directive))
            .unwrap_or_default();
        assert!(sources.contains(&origin.base), "{directive} in {csp}");
        assert!(
            sources
                .split_whitespace()
                .all(|s| s != "https:" && s != "http:"),
            "not any site: {csp}"
        );
    }
    let master = client.get(master_url).send().await.unwrap();
    assert_eq!(master.status(), StatusCode::OK);
    assert_eq!(master.headers()["access-control-allow-origin"], "*");
    let master = master.text().await.unwrap();
    let variant = master.lines().find(|l| l.ends_with("index.m3u8")).unwrap();
    let base = master_url.rsplit_once('/').unwrap().0;
    let media = get_text(&client, format!("{base}/{variant}")).await;
    let segment = media.lines().find(|l| l.ends_with(".m4s")).unwrap();
    let dir = format!("{base}/{variant}");
    let dir = dir.rsplit_once('/').unwrap().0;
    let seg = client.get(format!("{dir}/{segment}")).send().await.unwrap();
    assert_eq!(seg.status(), StatusCode::OK);
    assert!(seg.bytes().await.unwrap().windows(4).any(|w| w == b"moof"));
    let tampered = master_url.replacen("/media/v/", "/media/v/9", 1);
    assert_eq!(
        client.get(tampered).send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    let ready = client
        .get(format!("{}/readyz", origin.base))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
}
