//! Password hashing: PBKDF2-HMAC-SHA-256 (CRYPTREC-listed primitives) with a
//! random 128-bit salt, stored as `$pbkdf2-sha256$i={rounds}${salt}${hash}`
//! (base64, no padding).

use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use sha2::Sha256;
use subtle::ConstantTimeEq;

const PREFIX: &str = "$pbkdf2-sha256$i=";

/// Hashes `password` with `rounds` iterations and a fresh random salt.
pub fn hash(password: &str, rounds: u32) -> String {
    let salt: [u8; 16] = rand::random();
    let mut out = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sha256>(password.as_bytes(), &salt, rounds, &mut out);
    format!(
        "{PREFIX}{rounds}${}${}",
        STANDARD_NO_PAD.encode(salt),
        STANDARD_NO_PAD.encode(out)
    )
}

/// Checks a new password: 12 to 128 characters, not the current one.
pub fn check_strength(new: &str, current: &str) -> Result<(), &'static str> {
    let n = new.chars().count();
    if n < 12 {
        return Err("パスワードは12文字以上にしてください (at least 12 characters)");
    }
    if n > 128 {
        return Err("パスワードは128文字以内にしてください (at most 128 characters)");
    }
    if new == current {
        return Err(
            "現在と異なるパスワードにしてください (choose a password different from the current one)",
        );
    }
    Ok(())
}

/// A one-time password: 16 characters without look-alikes (0/O, 1/l/I),
/// about 90 bits, easy to read out or type from a printed sheet.
pub fn one_time() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRSTUVWXYZ23456789";
    (0..16)
        .map(|_| char::from(ALPHABET[rand::random_range(0..ALPHABET.len())]))
        .collect()
}

/// Whether `password` matches `stored`. A malformed stored hash never matches.
pub fn verify(password: &str, stored: &str) -> bool {
    let Some(rest) = stored.strip_prefix(PREFIX) else {
        return false;
    };
    let mut parts = rest.split('$');
    let (Some(rounds), Some(salt), Some(expected), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let (Ok(rounds), Ok(salt), Ok(expected)) = (
        rounds.parse::<u32>(),
        STANDARD_NO_PAD.decode(salt),
        STANDARD_NO_PAD.decode(expected),
    ) else {
        return false;
    };
    if rounds == 0 || expected.len() != 32 {
        return false;
    }
    let mut out = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sha256>(password.as_bytes(), &salt, rounds, &mut out);
    out.ct_eq(expected.as_slice()).into()
}

/// A hash of a random password, verified against when the account does not
/// exist so that both answers take the same time.
pub fn decoy(rounds: u32) -> String {
    let random: [u8; 16] = rand::random();
    hash(&hex::encode(random), rounds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_salts_differ() {
        let a = hash("正しいパスワード", 1000);
        let b = hash("正しいパスワード", 1000);
        assert_ne!(a, b, "salts must be random");
        assert!(verify("正しいパスワード", &a));
        assert!(!verify("間違い", &a));
        assert!(a.starts_with("$pbkdf2-sha256$i=1000$"));
    }

    #[test]
    fn malformed_hashes_never_match() {
        for bad in [
            "",
            "$pbkdf2-sha256$i=0$AAAA$AAAA",
            "plain",
            "$pbkdf2-sha256$i=10$!!$??",
        ] {
            assert!(!verify("x", bad));
        }
    }
}
