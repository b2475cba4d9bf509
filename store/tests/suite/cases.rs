//! The behaviour every store must have, one function per case, each given a
//! fresh empty store and a scratch directory.

use bytes::Bytes;
use domain::VideoId;
use std::path::Path;
use std::time::{Duration, SystemTime};
use store::{ByteRange, ObjectKey, Store, StoreError, publish_dir};

fn source(id: i64) -> ObjectKey {
    ObjectKey::source(VideoId::new(id))
}

fn hls(id: i64, rel: &str) -> ObjectKey {
    ObjectKey::hls(VideoId::new(id), rel).unwrap()
}

fn range(start: u64, end: u64) -> Option<ByteRange> {
    Some(ByteRange { start, end })
}

/// Deterministic bytes that do not repeat with any short period.
fn pattern(len: usize) -> Vec<u8> {
    let mut x: u32 = 0x1234_5678;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x.to_le_bytes()[0]
        })
        .collect()
}

async fn bytes_of(store: &dyn Store, key: &ObjectKey) -> Vec<u8> {
    store.get(key, None).await.unwrap().bytes.to_vec()
}

async fn is_missing(store: &dyn Store, key: &ObjectKey) -> bool {
    matches!(store.head(key).await, Err(StoreError::NotFound))
}

pub async fn missing_object_is_not_found(store: &dyn Store, scratch: &Path) {
    let key = source(404);
    assert!(matches!(
        store.get(&key, None).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.get(&key, range(0, 1)).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(store.head(&key).await, Err(StoreError::NotFound)));
    let dest = scratch.join("copy");
    assert!(matches!(
        store.get_to_file(&key, &dest).await,
        Err(StoreError::NotFound)
    ));
    assert!(!dest.exists(), "no file is created for a missing object");
    // Deleting what is not there is not an error.
    store
        .delete_prefix(&ObjectKey::video(VideoId::new(404)))
        .await
        .unwrap();
}

pub async fn put_bytes_then_get_and_head(store: &dyn Store, _scratch: &Path) {
    let key = hls(1, "360p/index.m3u8");
    store
        .put_bytes(&key, Bytes::from_static(b"#EXTM3U\n"))
        .await
        .unwrap();
    let object = store.get(&key, None).await.unwrap();
    assert_eq!(&object.bytes[..], b"#EXTM3U\n");
    assert_eq!(object.meta.len, 8);
    let meta = store.head(&key).await.unwrap();
    assert_eq!(meta.len, 8);
    // S3 keeps whole seconds: compare loosely, but it must be "now".
    let age = SystemTime::now()
        .duration_since(meta.modified)
        .unwrap_or(Duration::ZERO);
    assert!(age < Duration::from_secs(60), "modified {age:?} ago");
    let from_get = object.meta.modified;
    let diff = from_get
        .duration_since(meta.modified)
        .or_else(|_| meta.modified.duration_since(from_get))
        .unwrap();
    assert!(
        diff < Duration::from_secs(1),
        "get and head disagree on modified"
    );
}

pub async fn ranges_are_clamped_and_checked(store: &dyn Store, _scratch: &Path) {
    let key = source(3);
    store
        .put_bytes(&key, Bytes::from_static(b"0123456789"))
        .await
        .unwrap();
    let read = |start, end| store.get(&key, range(start, end));
    let part = read(2, 5).await.unwrap();
    assert_eq!((&part.bytes[..], part.meta.len), (&b"234"[..], 10));
    assert_eq!(&read(0, 10).await.unwrap().bytes[..], b"0123456789");
    assert_eq!(&read(9, 10).await.unwrap().bytes[..], b"9");
    // The end is clamped to the object.
    let tail = read(8, u64::MAX).await.unwrap();
    assert_eq!((&tail.bytes[..], tail.meta.len), (&b"89"[..], 10));
    assert_eq!(&read(0, 11).await.unwrap().bytes[..], b"0123456789");
    // An empty range inside the object reads nothing.
    let empty = read(3, 3).await.unwrap();
    assert_eq!((empty.bytes.len(), empty.meta.len), (0, 10));
    // A start at or beyond the end cannot be satisfied; the length is reported.
    for (start, end) in [(10, 11), (10, 10), (11, 20), (u64::MAX - 1, u64::MAX)] {
        assert!(
            matches!(
                read(start, end).await,
                Err(StoreError::RangeNotSatisfiable(10))
            ),
            "{start}..{end}"
        );
    }
}

pub async fn empty_object_has_no_satisfiable_range(store: &dyn Store, _scratch: &Path) {
    let key = hls(2, "empty.vtt");
    store.put_bytes(&key, Bytes::new()).await.unwrap();
    let object = store.get(&key, None).await.unwrap();
    assert_eq!((object.bytes.len(), object.meta.len), (0, 0));
    assert_eq!(store.head(&key).await.unwrap().len, 0);
    assert!(matches!(
        store.get(&key, range(0, 1)).await,
        Err(StoreError::RangeNotSatisfiable(0))
    ));
}

pub async fn overwrite_replaces_the_object(store: &dyn Store, scratch: &Path) {
    let key = source(5);
    store
        .put_bytes(&key, Bytes::from_static(b"a longer first version"))
        .await
        .unwrap();
    store
        .put_bytes(&key, Bytes::from_static(b"second"))
        .await
        .unwrap();
    assert_eq!(bytes_of(store, &key).await, b"second");
    assert_eq!(store.head(&key).await.unwrap().len, 6);
    let src = scratch.join("third");
    std::fs::write(&src, b"third!!").unwrap();
    store.put_file(&key, &src).await.unwrap();
    assert_eq!(bytes_of(store, &key).await, b"third!!");
}

pub async fn an_opened_object_keeps_its_bytes_when_replaced_or_deleted(
    store: &dyn Store,
    _scratch: &Path,
) {
    use std::os::unix::fs::FileExt as _;
    let key = source(6);
    store
        .put_bytes(&key, Bytes::from_static(b"first version"))
        .await
        .unwrap();
    let head = store.head(&key).await.unwrap();
    let Some((file, meta)) = store.open(&key).await.unwrap() else {
        // A store without local files (S3) hands none out.
        return;
    };
    assert_eq!(meta, head);
    store
        .put_bytes(&key, Bytes::from_static(b"second"))
        .await
        .unwrap();
    let mut bytes = vec![0; 13];
    file.read_exact_at(&mut bytes, 0).unwrap();
    assert_eq!(bytes, b"first version", "replaced by rename, not rewritten");
    store.delete_prefix(&key).await.unwrap();
    file.read_exact_at(&mut bytes, 0).unwrap();
    assert_eq!(bytes, b"first version", "still readable once deleted");
    assert!(matches!(store.open(&key).await, Err(StoreError::NotFound)));
}

pub async fn delete_prefix_removes_exactly_the_prefix(store: &dyn Store, _scratch: &Path) {
    let doomed = [
        source(1),
        hls(1, "master.m3u8"),
        hls(1, "r1/360p/seg_00001.m4s"),
        ObjectKey::caption(VideoId::new(1), "ja").unwrap(),
    ];
    let kept = [source(10), hls(10, "master.m3u8"), source(2), hls(11, "x")];
    for key in doomed.iter().chain(&kept) {
        store
            .put_bytes(key, Bytes::from(key.to_string()))
            .await
            .unwrap();
    }
    store
        .delete_prefix(&ObjectKey::video(VideoId::new(1)))
        .await
        .unwrap();
    for key in &doomed {
        assert!(is_missing(store, key).await, "{key} survived");
    }
    for key in &kept {
        assert_eq!(
            bytes_of(store, key).await,
            key.to_string().as_bytes(),
            "{key}"
        );
    }
    // A prefix naming one object deletes that object and nothing beside it.
    store.delete_prefix(&source(10)).await.unwrap();
    assert!(is_missing(store, &source(10)).await);
    assert!(!is_missing(store, &hls(10, "master.m3u8")).await);
    // `hls` of video 11 is not `hls/…` of video 1.
    store
        .delete_prefix(&ObjectKey::hls_root(VideoId::new(10)))
        .await
        .unwrap();
    assert!(is_missing(store, &hls(10, "master.m3u8")).await);
    assert!(!is_missing(store, &hls(11, "x")).await);
}

pub async fn delete_prefix_removes_more_than_a_page(store: &dyn Store, _scratch: &Path) {
    let keys: Vec<ObjectKey> = (0..25)
        .map(|i| hls(7, &format!("r1/360p/seg_{i:05}.m4s")))
        .collect();
    for key in &keys {
        store
            .put_bytes(key, Bytes::from_static(b"x"))
            .await
            .unwrap();
    }
    store
        .put_bytes(&source(70), Bytes::from_static(b"kept"))
        .await
        .unwrap();
    store
        .delete_prefix(&ObjectKey::hls_root(VideoId::new(7)))
        .await
        .unwrap();
    for key in &keys {
        assert!(is_missing(store, key).await, "{key} survived");
    }
    assert_eq!(bytes_of(store, &source(70)).await, b"kept");
}

pub async fn put_file_moves_a_multi_megabyte_file(store: &dyn Store, scratch: &Path) {
    // 12 MiB and a bit: more than two S3 parts of the suite's 5 MiB.
    let data = pattern(12 * 1024 * 1024 + 4321);
    let src = scratch.join("upload");
    std::fs::write(&src, &data).unwrap();
    let key = source(8);
    store.put_file(&key, &src).await.unwrap();
    assert!(!src.exists(), "the upload is moved, not copied");
    assert_eq!(store.head(&key).await.unwrap().len, data.len() as u64);
    let dest = scratch.join("download");
    store.get_to_file(&key, &dest).await.unwrap();
    assert!(std::fs::read(&dest).unwrap() == data, "the copy differs");
    // A range across the first part boundary.
    let boundary = 5 * 1024 * 1024;
    let part = store
        .get(&key, range(boundary - 3, boundary + 3))
        .await
        .unwrap();
    assert_eq!(
        &part.bytes[..],
        &data[boundary as usize - 3..boundary as usize + 3]
    );
    assert_eq!(part.meta.len, data.len() as u64);
}

pub async fn put_file_of_a_missing_file_is_not_found(store: &dyn Store, scratch: &Path) {
    let result = store.put_file(&source(9), &scratch.join("nothing")).await;
    assert!(matches!(result, Err(StoreError::NotFound)), "{result:?}");
    assert!(is_missing(store, &source(9)).await);
}

pub async fn get_to_file_replaces_the_destination(store: &dyn Store, scratch: &Path) {
    let key = ObjectKey::caption(VideoId::new(4), "en").unwrap();
    store
        .put_bytes(&key, Bytes::from_static(b"WEBVTT\n"))
        .await
        .unwrap();
    let dest = scratch.join("captions.vtt");
    std::fs::write(&dest, b"an older and much longer file").unwrap();
    store.get_to_file(&key, &dest).await.unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), b"WEBVTT\n");
    // The object stays in the store.
    assert_eq!(bytes_of(store, &key).await, b"WEBVTT\n");
}

pub async fn publish_dir_moves_a_package_under_its_revision(store: &dyn Store, scratch: &Path) {
    let package = scratch.join("package");
    std::fs::create_dir_all(package.join("360p")).unwrap();
    std::fs::write(package.join("master.m3u8"), b"#EXTM3U master").unwrap();
    std::fs::write(package.join("360p/index.m3u8"), b"#EXTM3U media").unwrap();
    std::fs::write(package.join("360p/seg_00001.m4s"), b"segment").unwrap();
    publish_dir(store, VideoId::new(6), "r2", &package)
        .await
        .unwrap();
    assert_eq!(
        bytes_of(store, &hls(6, "r2/master.m3u8")).await,
        b"#EXTM3U master"
    );
    assert_eq!(
        bytes_of(store, &hls(6, "r2/360p/index.m3u8")).await,
        b"#EXTM3U media"
    );
    assert_eq!(
        bytes_of(store, &hls(6, "r2/360p/seg_00001.m4s")).await,
        b"segment"
    );
    assert!(
        !package.join("master.m3u8").exists(),
        "published files are moved"
    );
}

pub async fn check_succeeds(store: &dyn Store, _scratch: &Path) {
    store.check().await.unwrap();
}

pub async fn list_names_every_object_below_the_prefix(store: &dyn Store, _scratch: &Path) {
    assert!(
        store
            .list(&ObjectKey::all_media())
            .await
            .unwrap()
            .is_empty()
    );
    // More objects than an S3 list page (10 in this suite), in two videos
    // whose ids share a prefix: video 1's list never holds video 10's.
    let mut expected = Vec::new();
    for i in 0..25 {
        let key = hls(1, &format!("r1/360p/seg_{i:05}.m4s"));
        store
            .put_bytes(&key, Bytes::from(pattern(i + 1)))
            .await
            .unwrap();
        expected.push((key, i as u64 + 1));
    }
    store
        .put_bytes(&source(1), Bytes::from_static(b"src"))
        .await
        .unwrap();
    expected.push((source(1), 3));
    store
        .put_bytes(&source(10), Bytes::from_static(b"other"))
        .await
        .unwrap();
    expected.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));

    let listed = store
        .list(&ObjectKey::video(VideoId::new(1)))
        .await
        .unwrap();
    assert_eq!(listed, expected);
    let all = store.list(&ObjectKey::all_media()).await.unwrap();
    assert_eq!(all.len(), 27);
    assert_eq!(all.last().unwrap(), &(source(10), 5));
}

/// `store` is the mirror of a local primary store.
pub async fn mirror_becomes_an_exact_copy_and_says_what_differed(
    mirror: &dyn Store,
    scratch: &Path,
) {
    use store::mirror::{Options, sync};
    let primary = store::LocalStore::open(scratch.join("primary")).unwrap();
    let transit = scratch.join("transit");
    std::fs::create_dir_all(&transit).unwrap();
    let keys = [
        source(1),
        hls(1, "r1/master.m3u8"),
        hls(1, "r1/360p/seg_00001.m4s"),
    ];
    for (i, key) in keys.iter().enumerate() {
        primary
            .put_bytes(key, Bytes::from(pattern(100 + i)))
            .await
            .unwrap();
    }
    let check = Options::default();
    let repair = Options {
        repair: true,
        deep: false,
    };
    let deep = Options {
        repair: false,
        deep: true,
    };

    let report = sync(&primary, mirror, &transit, check).await.unwrap();
    assert_eq!((report.objects, report.missing.len()), (3, 3));
    assert!(!report.in_sync(false));
    assert!(store_is_empty(mirror).await, "a check changes nothing");

    let report = sync(&primary, mirror, &transit, repair).await.unwrap();
    assert_eq!((report.copied, report.failed.len()), (3, 0));
    assert!(report.in_sync(true));
    for key in &keys {
        assert_eq!(bytes_of(mirror, key).await, bytes_of(&primary, key).await);
    }
    assert!(
        sync(&primary, mirror, &transit, check)
            .await
            .unwrap()
            .was_in_sync()
    );

    // Same size, other bytes: only a deep check sees it; a deep repair fixes it.
    let bad = &keys[2];
    let mut changed = bytes_of(mirror, bad).await;
    changed[0] ^= 0xff;
    mirror.put_bytes(bad, Bytes::from(changed)).await.unwrap();
    assert!(
        sync(&primary, mirror, &transit, check)
            .await
            .unwrap()
            .was_in_sync()
    );
    let report = sync(&primary, mirror, &transit, deep).await.unwrap();
    assert_eq!(report.mismatched, vec![bad.to_string()]);
    let report = sync(
        &primary,
        mirror,
        &transit,
        Options {
            repair: true,
            deep: true,
        },
    )
    .await
    .unwrap();
    assert_eq!(report.copied, 1);
    assert_eq!(bytes_of(mirror, bad).await, bytes_of(&primary, bad).await);

    // Deleted from the primary (purged from the trash): removed from the mirror.
    primary
        .delete_prefix(&ObjectKey::video(VideoId::new(1)))
        .await
        .unwrap();
    let report = sync(&primary, mirror, &transit, repair).await.unwrap();
    assert_eq!((report.extra.len(), report.removed), (3, 3));
    assert!(store_is_empty(mirror).await);
    assert_eq!(
        std::fs::read_dir(&transit).unwrap().count(),
        0,
        "nothing left in transit"
    );
}

async fn store_is_empty(store: &dyn Store) -> bool {
    store
        .list(&ObjectKey::all_media())
        .await
        .unwrap()
        .is_empty()
}
