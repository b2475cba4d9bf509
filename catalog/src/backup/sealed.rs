//! The backup file format: a gzip stream of the database snapshot, cut into
//! 1 MiB chunks, each sealed with AES-256-GCM under a fresh 96-bit random
//! nonce. Every chunk's associated data binds the file's header, the chunk's
//! index and whether it is the last one, so chunks cannot be reordered,
//! dropped, or the file cut short without the open failing.
//!
//! ```text
//! "MNBK0001" · u32 header length · header (JSON) ·
//! { 12-byte nonce · u32 sealed length · sealed chunk (ciphertext ‖ 16-byte tag) } …
//! ```

use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use sha2::{Digest, Sha256};
use std::io::{self, Read, Write};

const MAGIC: &[u8; 8] = b"MNBK0001";
/// Plaintext per chunk.
pub const CHUNK: usize = 1 << 20;
const TAG: usize = 16;

/// A 256-bit backup key.
pub type BackupKey = crate::keyfile::Key;

fn aead(key: &BackupKey) -> LessSafeKey {
    LessSafeKey::new(
        UnboundKey::new(&AES_256_GCM, key.bytes())
            .unwrap_or_else(|_| panic!("a 32-byte key fits AES-256-GCM")),
    )
}

fn aad(header_digest: &[u8; 32], index: u64, last: bool) -> [u8; 41] {
    let mut out = [0u8; 41];
    out[..32].copy_from_slice(header_digest);
    out[32..40].copy_from_slice(&index.to_le_bytes());
    out[40] = u8::from(last);
    out
}

fn header_digest(header: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(MAGIC);
    h.update(header);
    h.finalize().into()
}

/// Writes sealed chunks; call [`SealWriter::finish`] at the end.
pub struct SealWriter<W: Write> {
    out: W,
    key: LessSafeKey,
    digest: [u8; 32],
    buf: Vec<u8>,
    index: u64,
    rng: SystemRandom,
}

impl<W: Write> SealWriter<W> {
    /// Starts a file with `header` (JSON) under `key`.
    pub fn new(mut out: W, key: &BackupKey, header: &[u8]) -> io::Result<Self> {
        out.write_all(MAGIC)?;
        let len = u32::try_from(header.len()).map_err(|_| io::Error::other("header too long"))?;
        out.write_all(&len.to_le_bytes())?;
        out.write_all(header)?;
        Ok(Self {
            out,
            key: aead(key),
            digest: header_digest(header),
            buf: Vec::with_capacity(CHUNK + TAG),
            index: 0,
            rng: SystemRandom::new(),
        })
    }

    fn seal(&mut self, last: bool) -> io::Result<()> {
        let mut nonce = [0u8; NONCE_LEN];
        self.rng
            .fill(&mut nonce)
            .map_err(|_| io::Error::other("random source failed"))?;
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad(&self.digest, self.index, last)),
                &mut self.buf,
            )
            .map_err(|_| io::Error::other("sealing failed"))?;
        self.out.write_all(&nonce)?;
        let len = u32::try_from(self.buf.len()).map_err(|_| io::Error::other("chunk too long"))?;
        self.out.write_all(&len.to_le_bytes())?;
        self.out.write_all(&self.buf)?;
        self.buf.clear();
        self.index += 1;
        Ok(())
    }

    /// Seals what is left as the last chunk and returns the writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.seal(true)?;
        self.out.flush()?;
        Ok(self.out)
    }
}

impl<W: Write> Write for SealWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let room = CHUNK - self.buf.len();
        let n = room.min(data.len());
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() == CHUNK {
            self.seal(false)?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Reads the header of a sealed file.
pub fn read_header(input: &mut impl Read) -> io::Result<Vec<u8>> {
    let mut magic = [0u8; 8];
    input.read_exact(&mut magic)?;
    if &magic != MAGIC {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "not a manabi backup (バックアップファイルではありません)",
        ));
    }
    let mut len = [0u8; 4];
    input.read_exact(&mut len)?;
    let len = u32::from_le_bytes(len) as usize;
    if len > 1 << 20 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "header too long",
        ));
    }
    let mut header = vec![0u8; len];
    input.read_exact(&mut header)?;
    Ok(header)
}

/// Reads the opened plaintext of a sealed file, after [`read_header`].
pub struct OpenReader<R: Read> {
    input: R,
    key: LessSafeKey,
    digest: [u8; 32],
    index: u64,
    plain: Vec<u8>,
    at: usize,
    done: bool,
}

impl<R: Read> OpenReader<R> {
    /// Opens the chunks that follow `header` in `input` with `key`.
    pub fn new(input: R, key: &BackupKey, header: &[u8]) -> Self {
        Self {
            input,
            key: aead(key),
            digest: header_digest(header),
            index: 0,
            plain: Vec::new(),
            at: 0,
            done: false,
        }
    }

    fn next_chunk(&mut self) -> io::Result<()> {
        let bad = |m: &str| io::Error::new(io::ErrorKind::InvalidData, m.to_owned());
        let mut nonce = [0u8; NONCE_LEN];
        self.input
            .read_exact(&mut nonce)
            .map_err(|_| bad("the backup is cut short (ファイルが途中で切れています)"))?;
        let mut len = [0u8; 4];
        self.input.read_exact(&mut len)?;
        let len = u32::from_le_bytes(len) as usize;
        if len > CHUNK + TAG {
            return Err(bad("a chunk is too long"));
        }
        self.plain.resize(len, 0);
        self.input.read_exact(&mut self.plain)?;
        // Try it as a middle chunk, then as the last one.
        for last in [false, true] {
            let mut sealed = self.plain.clone();
            if let Ok(plain) = self.key.open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad(&self.digest, self.index, last)),
                &mut sealed,
            ) {
                let n = plain.len();
                sealed.truncate(n);
                self.plain = sealed;
                self.at = 0;
                self.index += 1;
                self.done = last;
                if last {
                    let mut rest = [0u8; 1];
                    if self.input.read(&mut rest)? != 0 {
                        return Err(bad("data after the last chunk"));
                    }
                }
                return Ok(());
            }
        }
        Err(bad(
            "the backup does not open with this key, or it was changed (鍵が違うか、改ざんされています)",
        ))
    }
}

impl<R: Read> Read for OpenReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.at == self.plain.len() {
            if self.done {
                return Ok(0);
            }
            self.next_chunk()?;
        }
        let n = out.len().min(self.plain.len() - self.at);
        out[..n].copy_from_slice(&self.plain[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seal(key: &BackupKey, data: &[u8]) -> Vec<u8> {
        let mut w = SealWriter::new(Vec::new(), key, br#"{"v":1}"#).unwrap();
        w.write_all(data).unwrap();
        w.finish().unwrap()
    }

    fn open(key: &BackupKey, file: &[u8]) -> io::Result<Vec<u8>> {
        let mut input = file;
        let header = read_header(&mut input)?;
        let mut out = Vec::new();
        OpenReader::new(input, key, &header).read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn round_trips_across_chunks_and_refuses_any_change() {
        let key = BackupKey::generate();
        let data: Vec<u8> = (0..(CHUNK * 2 + 123)).map(|i| (i % 251) as u8).collect();
        let file = seal(&key, &data);
        assert_eq!(open(&key, &file).unwrap(), data);
        assert!(open(&key, &seal(&key, b"")).unwrap().is_empty());
        // Another key.
        assert!(open(&BackupKey::generate(), &file).is_err());
        // One bit flipped in the middle.
        let mut flipped = file.clone();
        let mid = flipped.len() / 2;
        flipped[mid] ^= 1;
        assert!(open(&key, &flipped).is_err());
        // Cut short after a whole chunk: the last chunk is missing.
        let one_chunk = 8 + 4 + 7 + NONCE_LEN + 4 + CHUNK + TAG;
        assert!(open(&key, &file[..one_chunk]).is_err());
        // The header changed.
        let mut header = file.clone();
        header[13] = b'2';
        assert!(open(&key, &header).is_err());
        // Not a backup at all.
        assert!(open(&key, b"SQLite format 3\0").is_err());
    }

    #[test]
    fn keys_read_back_from_hex_and_have_a_short_public_id() {
        let key = BackupKey::generate();
        let again = BackupKey::from_hex(&key.to_hex()).unwrap();
        assert_eq!(key.id(), again.id());
        assert_eq!(key.id().len(), 8);
        assert!(BackupKey::from_hex("abcd").is_none());
        assert!(!format!("{key:?}").contains(&key.to_hex()));
    }
}
