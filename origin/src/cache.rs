//! A bounded in-memory cache of recently served immutable objects (segments,
//! init segments, images) with single-flight loading: however many requests
//! arrive for an object that is not cached, the store is read once and every
//! request gets that read's result. A whole section starting this year's
//! mandatory course at 9:00 hits the same bytes.
//!
//! A cache may keep its objects in files ([`Sealed`]) so that the standalone
//! server sends them without copying them (see [`crate::body`]): the local
//! store's own files, or sealed memory copies of what another store returned.
//! Each such entry holds a file descriptor, so their number is bounded too:
//! a ward's thousands of small init segments must not use up the process's
//! open files, which its connections need.
//!
//! Playlists and caption files can change within a revision (a caption track
//! is added), so the origin keeps them in a second cache whose entries expire
//! after `origin.playlist_max_age_seconds`: they are re-read at most that often,
//! which is also how long players and proxies may keep them. Failed loads are
//! never cached.

use crate::body::{Content, Sealed};
use crate::metrics;
use http::HeaderValue;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, UNIX_EPOCH};
use store::{Meta, Object, ObjectKey, StoreError};
use tokio::sync::OnceCell;

/// An object ready to serve: its bytes and its validators (`ETag`,
/// `Last-Modified`), formatted once when it is loaded rather than per request.
#[derive(Debug, Clone)]
pub struct Served {
    /// The whole object's size and age.
    pub meta: Meta,
    /// The whole object.
    pub content: Content,
    /// The validators of `meta`.
    pub validators: Validators,
}

impl Served {
    /// `content`, an object version that `meta` describes, with its validators.
    fn new(meta: Meta, content: Content) -> Self {
        Self {
            validators: Validators::of(&meta),
            meta,
            content,
        }
    }
}

impl From<Object> for Served {
    fn from(object: Object) -> Self {
        Self::new(object.meta, Content::Heap(object.bytes))
    }
}

/// `ETag` and `Last-Modified` of an object version.
#[derive(Debug, Clone)]
pub struct Validators {
    /// Strong entity tag from size and modification time.
    pub etag: HeaderValue,
    /// The modification time as an HTTP date (absent if out of range).
    pub last_modified: Option<HeaderValue>,
}

impl Validators {
    /// The validators of the object version `meta` describes.
    pub fn of(meta: &Meta) -> Self {
        let nanos = meta
            .modified
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let etag = format!("\"{:x}-{:x}\"", meta.len, nanos);
        let last_modified = jiff::Timestamp::try_from(meta.modified)
            .ok()
            .map(|ts| ts.strftime("%a, %d %b %Y %H:%M:%S GMT").to_string())
            .and_then(|d| HeaderValue::from_str(&d).ok());
        Self {
            // Hex digits and quotes: always a valid header value.
            etag: HeaderValue::from_str(&etag)
                .unwrap_or_else(|_| HeaderValue::from_static("\"0\"")),
            last_modified,
        }
    }
}

/// What a load fetched from the store: bytes read, or the store's own file.
#[derive(Debug)]
pub enum Fetched {
    /// The object's bytes.
    Read(Object),
    /// The local store's file of the object, and its size and age.
    File(std::fs::File, Meta),
}

impl From<Object> for Fetched {
    fn from(object: Object) -> Self {
        Fetched::Read(object)
    }
}

/// A load's outcome, shareable between the requests that waited for it.
#[derive(Debug, Clone)]
enum Loaded {
    Found(Served),
    NotFound,
    Failed(String),
}

type Flight = Arc<OnceCell<Loaded>>;

/// The cache; share it behind an `Arc`.
pub struct Cache {
    capacity: u64,
    max_object: u64,
    fresh_for: Option<Duration>,
    /// Objects go into sealed memory files rather than onto the heap.
    seal: bool,
    /// Most entries held in files (each one an open file descriptor).
    max_files: usize,
    inner: Mutex<Inner>,
}

struct Entry {
    object: Served,
    used: u64,
    loaded: Instant,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<ObjectKey, Entry>,
    bytes: u64,
    /// Entries whose content is a file.
    files: usize,
    clock: u64,
    loading: HashMap<ObjectKey, Flight>,
}

impl Inner {
    fn hit(&mut self, key: &ObjectKey, fresh_for: Option<Duration>) -> Option<Served> {
        self.clock += 1;
        let clock = self.clock;
        let entry = self.entries.get_mut(key)?;
        if fresh_for.is_some_and(|f| entry.loaded.elapsed() > f) {
            self.remove(key);
            return None;
        }
        entry.used = clock;
        Some(entry.object.clone())
    }

    /// Inserts, evicting the least recently used entries to stay within
    /// `capacity` bytes and `max_files` files.
    fn insert(&mut self, key: ObjectKey, object: Served, capacity: u64, max_files: usize) {
        self.remove(&key);
        let size = object.content.len();
        let file = object.content.is_file();
        while self.bytes + size > capacity || (file && self.files >= max_files) {
            let Some(oldest) = self
                .entries
                .iter()
                .min_by_key(|(_, e)| e.used)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            self.remove(&oldest);
        }
        self.clock += 1;
        self.bytes += size;
        self.files += usize::from(file);
        let entry = Entry {
            object,
            used: self.clock,
            loaded: Instant::now(),
        };
        self.entries.insert(key, entry);
    }

    fn remove(&mut self, key: &ObjectKey) {
        if let Some(gone) = self.entries.remove(key) {
            self.bytes -= gone.object.content.len();
            self.files -= usize::from(gone.object.content.is_file());
        }
    }
}

impl Cache {
    /// A cache of at most `capacity` bytes, holding objects of at most
    /// `max_object` bytes, each for at most `fresh_for` (`None`: until
    /// evicted), in sealed memory files if `seal`, and at most `max_files`
    /// entries in files.
    pub fn new(
        capacity: u64,
        max_object: u64,
        fresh_for: Option<Duration>,
        seal: bool,
        max_files: usize,
    ) -> Self {
        Self {
            capacity,
            max_object: max_object.min(capacity),
            fresh_for,
            seal,
            max_files,
            inner: Mutex::new(Inner::default()),
        }
    }

    /// What was fetched as the cache keeps it: the store's file as it is;
    /// bytes sealed if asked and they will be kept. Where memory files cannot
    /// be made, objects stay on the heap.
    fn served(&self, fetched: Fetched) -> Served {
        let object = match fetched {
            Fetched::File(file, meta) => {
                let file = Sealed::of_store_file(file, meta.len);
                return Served::new(meta, Content::Sealed(Arc::new(file)));
            }
            Fetched::Read(object) => object,
        };
        let mut served = Served::from(object);
        if let Content::Heap(bytes) = &served.content
            && self.seal
            && bytes.len() as u64 <= self.max_object
        {
            match Sealed::new("manabi-object", bytes) {
                Ok(sealed) => served.content = Content::Sealed(Arc::new(sealed)),
                Err(e) => {
                    static ONCE: std::sync::Once = std::sync::Once::new();
                    ONCE.call_once(|| {
                        tracing::warn!(error = %e, "no memory files: cached objects stay on the heap");
                    });
                }
            }
        }
        served
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // The data stays consistent even if a holder panicked: every update is one step.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The whole object under `key`, from the cache or read once with `load`.
    pub async fn get<F, L, T>(&self, key: &ObjectKey, load: L) -> Result<Served, StoreError>
    where
        L: FnOnce() -> F,
        F: Future<Output = Result<T, StoreError>>,
        T: Into<Fetched>,
    {
        let flight = {
            let mut inner = self.lock();
            if let Some(object) = inner.hit(key, self.fresh_for) {
                metrics::CACHE_HIT.inc();
                return Ok(object);
            }
            match inner.loading.get(key) {
                Some(flight) => {
                    metrics::CACHE_COALESCED.inc();
                    Arc::clone(flight)
                }
                None => Arc::clone(inner.loading.entry(key.clone()).or_default()),
            }
        };
        let loaded = flight
            .get_or_init(|| async {
                metrics::CACHE_MISS.inc();
                match load().await {
                    Ok(fetched) => Loaded::Found(self.served(fetched.into())),
                    Err(StoreError::NotFound) => Loaded::NotFound,
                    Err(e) => Loaded::Failed(e.to_string()),
                }
            })
            .await
            .clone();
        {
            // The first waiter to get here retires the flight and keeps the result.
            let mut inner = self.lock();
            if inner
                .loading
                .get(key)
                .is_some_and(|f| Arc::ptr_eq(f, &flight))
            {
                inner.loading.remove(key);
                if let Loaded::Found(object) = &loaded
                    && object.content.len() <= self.max_object
                {
                    inner.insert(key.clone(), object.clone(), self.capacity, self.max_files);
                }
            }
        }
        match loaded {
            Loaded::Found(object) => Ok(object),
            Loaded::NotFound => Err(StoreError::NotFound),
            Loaded::Failed(message) => Err(StoreError::Io(std::io::Error::other(message))),
        }
    }

    /// Bytes held.
    pub fn bytes(&self) -> u64 {
        self.lock().bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_trait::async_trait;
    use bytes::Bytes;
    use domain::VideoId;
    use std::path::Path;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use store::{ByteRange, LocalStore, Meta, Store};

    /// The real local store, counting reads and making each one slow enough
    /// that concurrent requests overlap.
    struct Counting {
        inner: LocalStore,
        gets: AtomicUsize,
    }

    #[async_trait]
    impl Store for Counting {
        async fn put_file(&self, key: &ObjectKey, src: &Path) -> Result<(), StoreError> {
            self.inner.put_file(key, src).await
        }
        async fn put_bytes(&self, key: &ObjectKey, bytes: Bytes) -> Result<(), StoreError> {
            self.inner.put_bytes(key, bytes).await
        }
        async fn get_to_file(&self, key: &ObjectKey, dest: &Path) -> Result<(), StoreError> {
            self.inner.get_to_file(key, dest).await
        }
        async fn get(
            &self,
            key: &ObjectKey,
            range: Option<ByteRange>,
        ) -> Result<Object, StoreError> {
            self.gets.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            self.inner.get(key, range).await
        }
        async fn head(&self, key: &ObjectKey) -> Result<Meta, StoreError> {
            self.inner.head(key).await
        }
        async fn delete_prefix(&self, prefix: &ObjectKey) -> Result<(), StoreError> {
            self.inner.delete_prefix(prefix).await
        }
        async fn list(&self, prefix: &ObjectKey) -> Result<Vec<(ObjectKey, u64)>, StoreError> {
            self.inner.list(prefix).await
        }
        async fn check(&self) -> Result<(), StoreError> {
            self.inner.check().await
        }
    }

    /// One request for segment `n` through the cache.
    async fn fetch(cache: &Cache, store: &Counting, n: u32) -> Result<Served, StoreError> {
        let k = key(n);
        cache.get(&k, || store.get(&k, None)).await
    }

    fn key(n: u32) -> ObjectKey {
        ObjectKey::hls(VideoId::new(1), &format!("r1/360p/seg_{n:05}.m4s")).unwrap()
    }

    async fn store_with(segments: &[(u32, usize)]) -> (tempfile::TempDir, Arc<Counting>) {
        let dir = tempfile::tempdir().unwrap();
        let store = Counting {
            inner: LocalStore::open(dir.path()).unwrap(),
            gets: AtomicUsize::new(0),
        };
        for &(n, size) in segments {
            store
                .put_bytes(&key(n), Bytes::from(vec![n as u8; size]))
                .await
                .unwrap();
        }
        (dir, Arc::new(store))
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn five_hundred_concurrent_requests_read_the_store_once() {
        let (_dir, store) = store_with(&[(1, 100_000)]).await;
        let cache = Arc::new(Cache::new(10_000_000, 1_000_000, None, true, 100));
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..500 {
            let (cache, store) = (Arc::clone(&cache), Arc::clone(&store));
            tasks.spawn(async move { fetch(&cache, &store, 1).await.map(|o| o.content.len()) });
        }
        while let Some(done) = tasks.join_next().await {
            assert_eq!(done.unwrap().unwrap(), 100_000);
        }
        assert_eq!(
            store.gets.load(Ordering::SeqCst),
            1,
            "one read for 500 requests"
        );
        fetch(&cache, &store, 1).await.unwrap();
        assert_eq!(
            store.gets.load(Ordering::SeqCst),
            1,
            "and later requests are hits"
        );
    }

    #[tokio::test]
    async fn memory_files_are_bounded_in_number_as_well_as_in_bytes() {
        let (_dir, store) = store_with(&[(1, 300), (2, 300), (3, 300)]).await;
        let cache = Cache::new(1_000_000, 1_000_000, None, true, 2);
        let one = fetch(&cache, &store, 1).await.unwrap();
        assert!(one.content.is_file());
        fetch(&cache, &store, 2).await.unwrap();
        fetch(&cache, &store, 3).await.unwrap(); // a third file: 1, the oldest, makes room
        assert_eq!(store.gets.load(Ordering::SeqCst), 3);
        fetch(&cache, &store, 2).await.unwrap();
        fetch(&cache, &store, 3).await.unwrap();
        assert_eq!(store.gets.load(Ordering::SeqCst), 3, "2 and 3 stayed");
        let again = fetch(&cache, &store, 1).await.unwrap();
        assert_eq!(store.gets.load(Ordering::SeqCst), 4, "1 was let go");
        assert_eq!(
            again.content.whole().take(usize::MAX).unwrap(),
            vec![1u8; 300]
        );
        assert_eq!(cache.bytes(), 600);
    }

    #[tokio::test]
    async fn the_local_stores_own_files_are_kept_as_they_are() {
        let (_dir, store) = store_with(&[(1, 300)]).await;
        let cache = Cache::new(1_000_000, 1_000_000, None, true, 2);
        let k = key(1);
        let load = || async {
            let (file, meta) = store.inner.open(&k).await?.expect("a local store's file");
            Ok::<_, StoreError>(Fetched::File(file, meta))
        };
        let one = cache.get(&k, load).await.unwrap();
        assert!(one.content.is_file());
        assert_eq!(one.meta, store.head(&k).await.unwrap());
        assert_eq!(one.validators.etag, Validators::of(&one.meta).etag);
        assert_eq!(
            one.content.span(10, 20).take(usize::MAX).unwrap(),
            vec![1u8; 10]
        );
        // Kept: the next request is a hit, without a load.
        let hit = cache
            .get(&k, || async { Err::<Object, _>(StoreError::NotFound) })
            .await
            .unwrap();
        assert_eq!(hit.content.len(), 300);
        assert_eq!(cache.bytes(), 300);
    }

    #[tokio::test]
    async fn the_least_recently_used_objects_make_room_and_misses_are_not_cached() {
        let (_dir, store) = store_with(&[(1, 400), (2, 400), (3, 400), (4, 5000)]).await;
        let cache = Cache::new(1000, 1000, None, true, 100);
        fetch(&cache, &store, 1).await.unwrap();
        fetch(&cache, &store, 2).await.unwrap();
        fetch(&cache, &store, 1).await.unwrap(); // 1 is now newer than 2
        fetch(&cache, &store, 3).await.unwrap(); // evicts 2
        assert_eq!(cache.bytes(), 800);
        let before = store.gets.load(Ordering::SeqCst);
        fetch(&cache, &store, 1).await.unwrap();
        assert_eq!(store.gets.load(Ordering::SeqCst), before, "1 stayed");
        fetch(&cache, &store, 2).await.unwrap();
        assert_eq!(
            store.gets.load(Ordering::SeqCst),
            before + 1,
            "2 was evicted"
        );
        let big = fetch(&cache, &store, 4).await.unwrap();
        assert!(
            cache.bytes() <= 1000,
            "an object over the limit is served but not kept"
        );
        assert!(
            matches!(big.content, Content::Heap(_)),
            "and not copied into a memory file"
        );
        let kept = fetch(&cache, &store, 1).await.unwrap();
        assert!(
            matches!(kept.content, Content::Sealed(_)),
            "kept objects are sealed"
        );
        assert!(matches!(
            fetch(&cache, &store, 9).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            fetch(&cache, &store, 9).await,
            Err(StoreError::NotFound)
        ));
        assert_eq!(
            store.gets.load(Ordering::SeqCst),
            before + 4,
            "a miss is read again next time"
        );
    }

    #[tokio::test]
    async fn fresh_entries_are_reread_after_their_time() {
        let (_dir, store) = store_with(&[(1, 1000)]).await;
        let cache = Cache::new(
            10_000,
            10_000,
            Some(std::time::Duration::from_millis(20)),
            false,
            0,
        );
        fetch(&cache, &store, 1).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(60)).await;
        fetch(&cache, &store, 1).await.unwrap();
        assert_eq!(
            store.gets.load(Ordering::SeqCst),
            2,
            "the stale entry was read again"
        );
        assert_eq!(cache.bytes(), 1000);
    }
}
