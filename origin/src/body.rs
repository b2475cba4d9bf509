//! Response bodies and where their bytes live.
//!
//! Cached immutable objects (segments, init segments, images) are kept in
//! [`Sealed`] files rather than on the heap: the local store's own files, or
//! in-memory copies (`memfd`) of what another store (S3) returned. The
//! standalone server ([`crate::server`]) hands a span of one to the socket
//! with `sendfile(2)`, so the kernel sends the file's pages instead of
//! copying every byte from our memory into the socket first, as nginx does
//! from its page cache. The store's own files are preferred: `sendfile`
//! takes a memory file's pages one lookup at a time
//! (`shmem_file_splice_read`) and a file system's in batches
//! (`filemap_splice_read`), measurably less work per byte
//! (docs/benchmarks.md).
//! Everything else, and every body served through the catalog's router in
//! role `all`, is read in chunks like any other body.

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use std::fs::File;
use std::io::{self, Write as _};
use std::os::fd::BorrowedFd;
use std::os::unix::fs::FileExt as _;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

/// Bytes read per frame from a sealed file when it is not sent by `sendfile`.
const READ_CHUNK: usize = 256 * 1024;

/// An object's bytes in a file that never changes: the local store's own
/// file of the object (objects are replaced by rename, never rewritten), or
/// a sealed memory file (`memfd`: nothing can change, grow or shrink it once
/// written). The pages handed to a socket stay what was cached, even after
/// the cache lets the object go.
#[derive(Debug)]
pub struct Sealed {
    file: File,
    len: u64,
}

impl Sealed {
    /// Copies `bytes` into a new sealed memory file named `name` (seen only
    /// in `/proc`).
    pub fn new(name: &str, bytes: &[u8]) -> io::Result<Self> {
        use rustix::fs::{MemfdFlags, SealFlags};
        let fd = rustix::fs::memfd_create(name, MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING)?;
        let mut file = File::from(fd);
        file.write_all(bytes)?;
        rustix::fs::fcntl_add_seals(
            &file,
            SealFlags::WRITE | SealFlags::SHRINK | SealFlags::GROW | SealFlags::SEAL,
        )?;
        Ok(Self {
            file,
            len: bytes.len() as u64,
        })
    }

    /// The local store's own file of an object of `len` bytes (see
    /// [`store::Store::open`]).
    pub fn of_store_file(file: File, len: u64) -> Self {
        Self { file, len }
    }

    /// The object's size.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the object is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Up to `count` bytes from `*offset` straight to `socket`
    /// (`sendfile(2)`), advancing `offset`. A full socket answers
    /// [`io::ErrorKind::WouldBlock`].
    pub fn send(
        &self,
        socket: BorrowedFd<'_>,
        offset: &mut u64,
        count: usize,
    ) -> io::Result<usize> {
        Ok(rustix::fs::sendfile(
            socket,
            &self.file,
            Some(offset),
            count,
        )?)
    }

    fn read(&self, offset: u64, len: usize) -> io::Result<Bytes> {
        let mut buf = vec![0; len];
        self.file.read_exact_at(&mut buf, offset)?;
        Ok(Bytes::from(buf))
    }
}

/// Where an object's bytes are.
#[derive(Debug, Clone)]
pub enum Content {
    /// On the heap.
    Heap(Bytes),
    /// In a sealed memory file.
    Sealed(Arc<Sealed>),
}

impl Content {
    /// The object's size.
    pub fn len(&self) -> u64 {
        match self {
            Content::Heap(b) => b.len() as u64,
            Content::Sealed(s) => s.len(),
        }
    }

    /// Whether the object is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the bytes are in a file (which holds a file descriptor).
    pub fn is_file(&self) -> bool {
        matches!(self, Content::Sealed(_))
    }

    /// Bytes `start..end` to send (within the object: callers pass a resolved range).
    pub fn span(&self, start: u64, end: u64) -> Span {
        match self {
            Content::Heap(b) => Span::Heap(b.slice(start as usize..end as usize)),
            Content::Sealed(s) => Span::Sealed {
                file: Arc::clone(s),
                next: start,
                end,
            },
        }
    }

    /// The whole object to send.
    pub fn whole(&self) -> Span {
        self.span(0, self.len())
    }
}

/// Bytes still to send.
#[derive(Debug)]
pub enum Span {
    /// From the heap.
    Heap(Bytes),
    /// `next..end` of a sealed file.
    Sealed {
        /// The file.
        file: Arc<Sealed>,
        /// The first byte not yet sent.
        next: u64,
        /// One past the last byte to send.
        end: u64,
    },
}

impl Span {
    /// Bytes left.
    pub fn len(&self) -> u64 {
        match self {
            Span::Heap(b) => b.len() as u64,
            Span::Sealed { next, end, .. } => end - next,
        }
    }

    /// Whether nothing is left.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The next at most `max` bytes (read from the file if sealed).
    pub fn take(&mut self, max: usize) -> io::Result<Bytes> {
        match self {
            Span::Heap(b) => Ok(b.split_to(max.min(b.len()))),
            Span::Sealed { file, next, end } => {
                let n = max.min((*end - *next) as usize);
                let bytes = file.read(*next, n)?;
                *next += n as u64;
                Ok(bytes)
            }
        }
    }
}

impl From<Bytes> for Span {
    fn from(bytes: Bytes) -> Self {
        Span::Heap(bytes)
    }
}

/// A response body of the origin: sent as fast as the client takes it, or
/// paced by the site's governor.
pub enum OriginBody {
    /// As fast as the client takes it.
    Plain(Span),
    /// At the viewer's pace.
    Paced(crate::govern::Paced),
}

impl OriginBody {
    /// A body of `bytes`.
    pub fn bytes(bytes: impl Into<Bytes>) -> Self {
        OriginBody::Plain(Span::Heap(bytes.into()))
    }

    /// No body.
    pub fn empty() -> Self {
        Self::bytes(Bytes::new())
    }
}

impl Body for OriginBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        match self.get_mut() {
            OriginBody::Plain(span) if span.is_empty() => Poll::Ready(None),
            // From the heap in one frame, as `Full` does; from a file in chunks.
            OriginBody::Plain(span) => {
                let max = match span {
                    Span::Heap(_) => usize::MAX,
                    Span::Sealed { .. } => READ_CHUNK,
                };
                Poll::Ready(Some(span.take(max).map(Frame::data)))
            }
            OriginBody::Paced(paced) => Pin::new(paced).poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            OriginBody::Plain(span) => span.is_empty(),
            OriginBody::Paced(paced) => paced.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            OriginBody::Plain(span) => SizeHint::with_exact(span.len()),
            OriginBody::Paced(paced) => paced.size_hint(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    #[test]
    fn a_sealed_file_cannot_be_changed() {
        let sealed = Sealed::new("test", b"segment bytes").unwrap();
        let mut file = &sealed.file;
        assert!(file.write_all(b"x").is_err(), "writes are sealed");
        assert!(sealed.file.set_len(3).is_err(), "shrinking is sealed");
        assert_eq!(&sealed.read(8, 5).unwrap()[..], b"bytes");
    }

    #[tokio::test]
    async fn spans_of_either_kind_give_the_same_bytes() {
        let data: Vec<u8> = (0..700_000u32).map(|i| (i % 251) as u8).collect();
        let heap = Content::Heap(Bytes::from(data.clone()));
        let sealed = Content::Sealed(Arc::new(Sealed::new("test", &data).unwrap()));
        for content in [heap, sealed] {
            let whole = OriginBody::Plain(content.whole());
            assert_eq!(whole.collect().await.unwrap().to_bytes(), data);
            let part = OriginBody::Plain(content.span(1000, 600_001));
            assert_eq!(part.size_hint().exact(), Some(599_001));
            assert_eq!(
                part.collect().await.unwrap().to_bytes(),
                data[1000..600_001]
            );
        }
    }
}
