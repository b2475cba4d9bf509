//! Media at rest encrypted by the store (issue 8): with
//! `server_side_encryption` set, every object written — a PutObject, and the
//! CreateMultipartUpload of a large file — asks S3 for that encryption, and
//! an S3-compatible server that accepts it stores and serves the objects as
//! before. s3s-fs does not encrypt (nor report encryption back), so what is
//! sent is read off the wire by a loopback listener.

use crate::s3s::{self, Server};
use bytes::Bytes;
use domain::VideoId;
use secrecy::SecretString;
use std::sync::{Arc, Mutex};
use store::{Kind, ObjectKey, S3Store, Settings, SettingsError, Store};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A loopback server that keeps each request's head and answers `200 OK`
/// with an empty body (what a PutObject needs); returns its store settings
/// and the heads it saw.
async fn recording_server() -> (Settings, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let heads = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&heads);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let seen = Arc::clone(&seen);
            tokio::spawn(async move {
                let mut data = Vec::new();
                let mut buf = [0; 8192];
                loop {
                    let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") else {
                        match socket.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => data.extend_from_slice(&buf[..n]),
                        }
                        continue;
                    };
                    let head = String::from_utf8_lossy(&data[..end]).to_lowercase();
                    let body_len: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse().ok())
                        .unwrap_or(0);
                    while data.len() < end + 4 + body_len {
                        match socket.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => data.extend_from_slice(&buf[..n]),
                        }
                    }
                    seen.lock().unwrap().push(head);
                    data.drain(..end + 4 + body_len);
                    let reply = "HTTP/1.1 200 OK\r\netag: \"e\"\r\ncontent-length: 0\r\n\r\n";
                    if socket.write_all(reply.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (s3s::settings_at(addr), heads)
}

fn key(n: i64) -> ObjectKey {
    ObjectKey::source(VideoId::new(n))
}

#[tokio::test]
async fn every_write_asks_for_the_configured_encryption() {
    let (mut settings, heads) = recording_server().await;
    let plain = S3Store::from_settings(&settings).unwrap();
    plain
        .put_bytes(&key(1), Bytes::from_static(b"x"))
        .await
        .unwrap();
    settings.server_side_encryption = "AES256".into();
    let sse_s3 = S3Store::from_settings(&settings).unwrap();
    sse_s3
        .put_bytes(&key(2), Bytes::from_static(b"x"))
        .await
        .unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let file = scratch.path().join("upload.mp4");
    std::fs::write(&file, b"a small upload").unwrap();
    sse_s3.put_file(&key(3), &file).await.unwrap();
    settings.server_side_encryption = "aws:kms".into();
    settings.sse_kms_key_id = "alias/manabi-media".into();
    let kms = S3Store::from_settings(&settings).unwrap();
    kms.put_bytes(&key(4), Bytes::from_static(b"x"))
        .await
        .unwrap();

    let heads = heads.lock().unwrap().clone();
    assert_eq!(heads.len(), 4, "{heads:#?}");
    let sse = |head: &str| {
        head.lines()
            .find_map(|l| l.strip_prefix("x-amz-server-side-encryption:"))
            .map(|v| v.trim().to_owned())
    };
    assert_eq!(sse(&heads[0]), None, "the bucket's default unless asked");
    assert_eq!(sse(&heads[1]).as_deref(), Some("aes256"));
    assert_eq!(sse(&heads[2]).as_deref(), Some("aes256"));
    assert_eq!(sse(&heads[3]).as_deref(), Some("aws:kms"));
    assert!(
        heads[3].contains("x-amz-server-side-encryption-aws-kms-key-id: alias/manabi-media"),
        "{}",
        heads[3]
    );
}

#[tokio::test]
async fn an_s3_compatible_server_takes_encrypted_writes_small_and_multipart() {
    let server = Server::start().await;
    let store = server
        .store(|s| s.server_side_encryption = "AES256".into())
        .with_part_size(5 << 20);
    store
        .put_bytes(&key(1), Bytes::from_static(b"small"))
        .await
        .unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let file = scratch.path().join("large.mp4");
    let large: Vec<u8> = (0..(11u32 << 20)).map(|i| (i % 251) as u8).collect();
    std::fs::write(&file, &large).unwrap();
    store.put_file(&key(2), &file).await.unwrap();
    assert_eq!(&store.get(&key(1), None).await.unwrap().bytes[..], b"small");
    assert_eq!(
        store.get(&key(2), None).await.unwrap().bytes.len(),
        large.len()
    );
}

#[test]
fn only_the_encryptions_s3_offers_are_accepted() {
    let with = |sse: &str, kms: &str| Settings {
        kind: Kind::S3,
        bucket: "b".into(),
        access_key_id: "a".into(),
        secret_access_key: SecretString::from("s"),
        server_side_encryption: sse.into(),
        sse_kms_key_id: kms.into(),
        ..Settings::default()
    };
    assert!(matches!(
        with("DES", "").s3_options(),
        Err(SettingsError::Encryption(v)) if v == "DES"
    ));
    assert!(matches!(
        with("AES256", "k").s3_options(),
        Err(SettingsError::KmsKeyWithoutKms)
    ));
    assert!(with("aws:kms", "k").s3_options().is_ok());
    assert!(with("", "").s3_options().is_ok());
}
