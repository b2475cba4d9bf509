//! What only a remote store can do wrong: refuse our credentials, lack the
//! bucket, be unreachable, fail, or not answer. The origin turns
//! [`StoreError::Unavailable`] into a 503 with Retry-After, so it must come
//! back within about a second when nothing listens.

use crate::s3s::{self, Server};
use bytes::Bytes;
use domain::VideoId;
use secrecy::SecretString;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use store::{ObjectKey, S3Store, Settings, Store, StoreError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn key() -> ObjectKey {
    ObjectKey::source(VideoId::new(1))
}

/// Runs `op`, asserting it fails with `Unavailable` within `limit`.
async fn unavailable_within<T: std::fmt::Debug>(
    what: &str,
    limit: Duration,
    op: impl Future<Output = Result<T, StoreError>>,
) {
    let started = Instant::now();
    let result = op.await;
    let took = started.elapsed();
    eprintln!("{what}: {took:?}, {result:?}");
    assert!(
        matches!(result, Err(StoreError::Unavailable(_))),
        "{what}: {result:?}"
    );
    assert!(took < limit, "{what} took {took:?}");
}

/// A loopback HTTP server that reads each request's head and, if `status` is
/// given, answers it with that status and closes; otherwise never answers.
/// Returns its address and the number of requests seen.
async fn fake_server(status: Option<u16>) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let requests = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&requests);
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let seen = Arc::clone(&seen);
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                seen.fetch_add(1, Ordering::SeqCst);
                match status {
                    Some(code) => {
                        let reply = format!(
                            "HTTP/1.1 {code} Failing\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                        );
                        let _ = socket.write_all(reply.as_bytes()).await;
                    }
                    None => tokio::time::sleep(Duration::from_secs(60)).await,
                }
            });
        }
    });
    (addr, requests)
}

#[tokio::test]
async fn wrong_secret_key_is_refused_not_missing() {
    let server = Server::start().await;
    let good = server.store(|_| {});
    good.put_bytes(&key(), Bytes::from_static(b"x"))
        .await
        .unwrap();
    let bad = server.store(|s| s.secret_access_key = SecretString::from("not-the-secret"));
    let got = bad.get(&key(), None).await;
    assert!(
        matches!(&got, Err(StoreError::Io(e)) if e.to_string().contains("SignatureDoesNotMatch")),
        "get: {got:?}"
    );
    let head = bad.head(&ObjectKey::source(VideoId::new(2))).await;
    // HEAD answers have no body, so a refusal is told by its 403 status alone.
    assert!(matches!(head, Err(StoreError::Io(_))), "head: {head:?}");
    let check = bad.check().await;
    assert!(matches!(check, Err(StoreError::Io(_))), "check: {check:?}");
    let put = bad.put_bytes(&key(), Bytes::from_static(b"y")).await;
    assert!(matches!(put, Err(StoreError::Io(_))), "put: {put:?}");
    assert_eq!(&good.get(&key(), None).await.unwrap().bytes[..], b"x");
}

#[tokio::test]
async fn missing_bucket_fails_the_check_as_refused() {
    let server = Server::start().await;
    let store = server.store(|s| s.bucket = "no-such-bucket".into());
    let check = store.check().await;
    assert!(matches!(check, Err(StoreError::Io(_))), "{check:?}");
}

#[tokio::test]
async fn unreachable_store_is_unavailable_within_a_second() {
    // A port that was just free: nothing listens, connections are refused.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let store = S3Store::from_settings(&s3s::settings_at(addr)).unwrap();
    let second = Duration::from_secs(1);
    unavailable_within("check", second, store.check()).await;
    unavailable_within("get", second, store.get(&key(), None)).await;
    unavailable_within("head", second, store.head(&key())).await;
    let key = key();
    let put = store.put_bytes(&key, Bytes::from_static(b"x"));
    unavailable_within("put_bytes", second, put).await;
}

#[tokio::test]
async fn blackholed_store_is_unavailable_within_a_second() {
    // A listener whose accept queue (backlog 0) is full and never drained:
    // the kernel drops further SYNs, so connecting hangs as to a dead host.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(0).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut queued = Vec::new();
    for _ in 0..3 {
        if let Ok(Ok(s)) = tokio::time::timeout(
            Duration::from_millis(200),
            tokio::net::TcpStream::connect(addr),
        )
        .await
        {
            queued.push(s);
        }
    }
    let store = S3Store::from_settings(&s3s::settings_at(addr)).unwrap();
    // The default connect timeout (800 ms), tried once.
    unavailable_within("check", Duration::from_secs(1), store.check()).await;
    unavailable_within("get", Duration::from_secs(1), store.get(&key(), None)).await;
    drop(queued);
}

#[tokio::test]
async fn server_errors_are_unavailable_after_one_retry() {
    let (addr, requests) = fake_server(Some(503)).await;
    let store = S3Store::from_settings(&s3s::settings_at(addr)).unwrap();
    unavailable_within("get", Duration::from_secs(2), store.get(&key(), None)).await;
    assert_eq!(requests.load(Ordering::SeqCst), 2, "one try and one retry");
    let (addr, _) = fake_server(Some(500)).await;
    let store = S3Store::from_settings(&s3s::settings_at(addr)).unwrap();
    unavailable_within("check", Duration::from_secs(2), store.check()).await;
}

#[tokio::test]
async fn silent_store_times_out_as_unavailable() {
    let (addr, requests) = fake_server(None).await;
    let settings = Settings {
        request_timeout_ms: 200,
        ..s3s::settings_at(addr)
    };
    let store = S3Store::from_settings(&settings).unwrap();
    unavailable_within("get", Duration::from_secs(1), store.get(&key(), None)).await;
    assert_eq!(requests.load(Ordering::SeqCst), 2, "one try and one retry");
}

#[tokio::test]
async fn key_prefix_keeps_stores_apart_in_one_bucket() {
    let server = Server::start().await;
    let a = server.store(|s| s.prefix = "tenant-a".into());
    let b = server.store(|s| s.prefix = "tenants/b/".into());
    a.put_bytes(&key(), Bytes::from_static(b"a")).await.unwrap();
    b.put_bytes(&key(), Bytes::from_static(b"b")).await.unwrap();
    assert_eq!(&a.get(&key(), None).await.unwrap().bytes[..], b"a");
    assert_eq!(&b.get(&key(), None).await.unwrap().bytes[..], b"b");
    let on_disk = server.bucket_dir().join("tenants/b/videos/1/source");
    assert_eq!(std::fs::read(on_disk).unwrap(), b"b");
    a.delete_prefix(&ObjectKey::video(VideoId::new(1)))
        .await
        .unwrap();
    assert!(matches!(a.head(&key()).await, Err(StoreError::NotFound)));
    assert_eq!(&b.get(&key(), None).await.unwrap().bytes[..], b"b");
}

#[tokio::test]
async fn open_builds_the_store_the_settings_name() {
    let data = tempfile::tempdir().unwrap();
    let local = store::open(&Settings::default(), data.path())
        .await
        .unwrap();
    local
        .put_bytes(&key(), Bytes::from_static(b"l"))
        .await
        .unwrap();
    assert!(data.path().join("media/videos/1/source").is_file());

    let server = Server::start().await;
    let s3 = store::open(&server.settings(), data.path()).await.unwrap();
    s3.check().await.unwrap();
    s3.put_bytes(&key(), Bytes::from_static(b"s"))
        .await
        .unwrap();
    assert_eq!(
        std::fs::read(server.bucket_dir().join("videos/1/source")).unwrap(),
        b"s"
    );

    let no_bucket = Settings {
        bucket: String::new(),
        ..server.settings()
    };
    let err = store::open(&no_bucket, data.path()).await.err().unwrap();
    assert_eq!(
        err.to_string(),
        "store.bucket is required when store.kind = \"s3\""
    );
}
