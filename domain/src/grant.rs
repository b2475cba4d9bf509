//! The playback grant: one signed token per playback, scoped to one video's
//! path prefix and one playback session (HMAC-SHA-256, RFC 2104).
//!
//! The token is a single URL path segment, so a master playlist at
//! `…/{token}/master.m3u8` can use relative URIs and every playlist and
//! segment below it is covered without per-segment signing:
//!
//! ```text
//! v1.{key_id}.{video_id}.{session_id}.{site}.{not_before}.{expires}.{signature}
//! ```
//!
//! The signature is base64url (no padding) of HMAC-SHA-256 over everything
//! before the last dot. Times are Unix seconds. The grant never names the
//! client IP: a whole office shares one address behind its proxy.

use crate::ids::{PlaybackSessionId, VideoId};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use jiff::{SignedDuration, Timestamp};
use sha2::Sha256;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

const VERSION: &str = "v1";

/// The largest clock skew an origin may allow when checking a grant
/// (`origin.grant_skew_seconds`).
pub const MAX_GRANT_SKEW_SECONDS: i64 = 300;

/// What a grant allows: one session to read one video, from one site, for a while.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The video whose objects may be read.
    pub video: VideoId,
    /// The playback session the grant belongs to.
    pub session: PlaybackSessionId,
    /// The viewer's site (office network) for bandwidth accounting.
    pub site: String,
    /// Not valid before this instant.
    pub not_before: Timestamp,
    /// Not valid from this instant on.
    pub expires: Timestamp,
}

/// A 256-bit HMAC key with its id.
#[derive(Clone)]
pub struct SigningKey {
    id: String,
    /// HMAC keyed with the secret once: each signature starts from a copy.
    keyed: HmacSha256,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret.
        f.debug_struct("SigningKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A key from its id (`[A-Za-z0-9_-]{1,32}`) and 32 secret bytes (not
    /// all zero: that is a placeholder left in a config, not a secret).
    pub fn new(id: &str, secret: [u8; 32]) -> Result<Self, GrantError> {
        if secret == [0; 32] {
            return Err(GrantError::ZeroKey(id.to_owned()));
        }
        if is_token_word(id) && id.len() <= 32 {
            // HMAC accepts keys of any length, so this cannot fail.
            let keyed =
                <HmacSha256 as Mac>::new_from_slice(&secret).unwrap_or_else(|_| unreachable!());
            Ok(Self {
                id: id.to_owned(),
                keyed,
            })
        } else {
            Err(GrantError::BadKeyId)
        }
    }

    /// The key id carried in tokens.
    pub fn id(&self) -> &str {
        &self.id
    }

    fn mac(&self, message: &[u8]) -> [u8; 32] {
        let mut mac = self.keyed.clone();
        mac.update(message);
        mac.finalize().into_bytes().into()
    }
}

/// The keys in force: the first signs, all of them verify (key rotation).
#[derive(Debug, Clone)]
pub struct SigningKeys {
    keys: Vec<SigningKey>,
}

impl SigningKeys {
    /// The key set; `keys[0]` signs new grants. At least one key is
    /// required, and no id twice (a grant names its key by id).
    pub fn new(keys: Vec<SigningKey>) -> Result<Self, GrantError> {
        if keys.is_empty() {
            return Err(GrantError::NoKeys);
        }
        if let Some(twice) = keys
            .iter()
            .enumerate()
            .find(|(i, k)| keys[..*i].iter().any(|e| e.id == k.id))
        {
            return Err(GrantError::DuplicateKeyId(twice.1.id.clone()));
        }
        Ok(Self { keys })
    }

    fn signing(&self) -> &SigningKey {
        &self.keys[0]
    }

    fn find(&self, id: &str) -> Option<&SigningKey> {
        self.keys.iter().find(|k| k.id == id)
    }
}

/// Why a token was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum GrantError {
    /// The token does not have the expected fields.
    #[error("malformed grant")]
    Malformed,
    /// The key id is not one of the keys in force.
    #[error("unknown signing key")]
    UnknownKey,
    /// The signature does not match (tampered or forged).
    #[error("bad signature")]
    BadSignature,
    /// Used before its not-before time (beyond the allowed clock skew).
    #[error("grant not yet valid")]
    NotYetValid,
    /// Used after its expiry (beyond the allowed clock skew).
    #[error("grant expired")]
    Expired,
    /// A key id with characters that cannot appear in a URL segment.
    #[error("key ids are 1 to 32 characters of A-Z, a-z, 0-9, _ and -")]
    BadKeyId,
    /// A site name with characters that cannot appear in a URL segment.
    #[error("site names are 1 to 64 characters of A-Z, a-z, 0-9, _ and -")]
    BadSite,
    /// No key configured.
    #[error("no signing key configured")]
    NoKeys,
    /// A key of 32 zero bytes.
    #[error("the key {0} is all zeros: generate a random one")]
    ZeroKey(String),
    /// Two keys with one id: grants signed with the second would never verify.
    #[error("the key id {0} is listed twice")]
    DuplicateKeyId(String),
}

fn is_token_word(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

impl Grant {
    /// Signs the grant with the newest key and returns the token.
    pub fn sign(&self, keys: &SigningKeys) -> Result<String, GrantError> {
        if !is_token_word(&self.site) || self.site.len() > 64 {
            return Err(GrantError::BadSite);
        }
        let key = keys.signing();
        let body = format!(
            "{VERSION}.{}.{}.{}.{}.{}.{}",
            key.id,
            self.video,
            self.session,
            self.site,
            self.not_before.as_second(),
            self.expires.as_second()
        );
        let sig = URL_SAFE_NO_PAD.encode(key.mac(body.as_bytes()));
        Ok(format!("{body}.{sig}"))
    }

    /// Checks `token` against the keys and the clock `now`, allowing `skew`
    /// of clock difference on both ends, and returns what it grants.
    pub fn verify(
        token: &str,
        keys: &SigningKeys,
        now: Timestamp,
        skew: SignedDuration,
    ) -> Result<Grant, GrantError> {
        let (body, sig) = token.rsplit_once('.').ok_or(GrantError::Malformed)?;
        let mut fields = body.split('.');
        let mut field = || fields.next().ok_or(GrantError::Malformed);
        let [version, key_id, video, session, site, nbf, exp] = [
            field()?,
            field()?,
            field()?,
            field()?,
            field()?,
            field()?,
            field()?,
        ];
        if version != VERSION || fields.next().is_some() {
            return Err(GrantError::Malformed);
        }
        let key = keys.find(key_id).ok_or(GrantError::UnknownKey)?;
        // A signature is 43 characters for 32 bytes; anything else is not one.
        let mut claimed = [0u8; 32];
        if sig.len() != 43 || URL_SAFE_NO_PAD.decode_slice(sig, &mut claimed) != Ok(32) {
            return Err(GrantError::BadSignature);
        }
        let expected = key.mac(body.as_bytes());
        if !bool::from(expected.ct_eq(&claimed)) {
            return Err(GrantError::BadSignature);
        }
        let seconds = |s: &str| -> Result<Timestamp, GrantError> {
            let n: i64 = s.parse().map_err(|_| GrantError::Malformed)?;
            Timestamp::from_second(n).map_err(|_| GrantError::Malformed)
        };
        let grant = Grant {
            video: video.parse().map_err(|_| GrantError::Malformed)?,
            session: session.parse().map_err(|_| GrantError::Malformed)?,
            site: site.to_owned(),
            not_before: seconds(nbf)?,
            expires: seconds(exp)?,
        };
        // Validity is a span: one that ends before it begins is no grant,
        // whatever the skew lets each bound pass.
        if grant.expires <= grant.not_before {
            return Err(GrantError::Malformed);
        }
        if now + skew < grant.not_before {
            return Err(GrantError::NotYetValid);
        }
        if now - skew >= grant.expires {
            return Err(GrantError::Expired);
        }
        Ok(grant)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> SigningKeys {
        SigningKeys::new(vec![
            SigningKey::new("k2", [7; 32]).unwrap(),
            SigningKey::new("k1", [1; 32]).unwrap(),
        ])
        .unwrap()
    }

    fn grant(now: Timestamp) -> Grant {
        Grant {
            video: VideoId::new(12),
            session: PlaybackSessionId::from_random([3; 16]),
            site: "honcho".into(),
            not_before: now,
            expires: now + SignedDuration::from_secs(600),
        }
    }

    const SKEW: SignedDuration = SignedDuration::from_secs(30);

    #[test]
    fn a_key_id_may_be_listed_once() {
        let twice = SigningKeys::new(vec![
            SigningKey::new("k1", [7; 32]).unwrap(),
            SigningKey::new("k2", [8; 32]).unwrap(),
            SigningKey::new("k1", [1; 32]).unwrap(),
        ]);
        assert_eq!(
            twice.map(|_| ()),
            Err(GrantError::DuplicateKeyId("k1".into()))
        );
    }

    #[test]
    fn a_signed_grant_verifies_to_the_same_claims() {
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        let token = grant(now).sign(&keys()).unwrap();
        assert!(token.starts_with("v1.k2.12."));
        assert_eq!(Grant::verify(&token, &keys(), now, SKEW), Ok(grant(now)));
    }

    #[test]
    fn tampered_fields_or_signature_are_rejected() {
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        let token = grant(now).sign(&keys()).unwrap();
        let other_video = token.replacen(".12.", ".13.", 1);
        assert_eq!(
            Grant::verify(&other_video, &keys(), now, SKEW),
            Err(GrantError::BadSignature)
        );
        let mut flipped = token.clone().into_bytes();
        let last = flipped.len() - 2;
        flipped[last] = if flipped[last] == b'A' { b'B' } else { b'A' };
        let flipped = String::from_utf8(flipped).unwrap();
        assert_eq!(
            Grant::verify(&flipped, &keys(), now, SKEW),
            Err(GrantError::BadSignature)
        );
        assert_eq!(
            Grant::verify("v1.k2.12", &keys(), now, SKEW),
            Err(GrantError::Malformed)
        );
        assert_eq!(
            Grant::verify("", &keys(), now, SKEW),
            Err(GrantError::Malformed)
        );
    }

    #[test]
    fn expiry_and_not_before_honour_the_skew() {
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        let token = grant(now).sign(&keys()).unwrap();
        let at = |s: i64| now + SignedDuration::from_secs(s);
        assert!(Grant::verify(&token, &keys(), at(629), SKEW).is_ok());
        assert_eq!(
            Grant::verify(&token, &keys(), at(630), SKEW),
            Err(GrantError::Expired)
        );
        assert!(Grant::verify(&token, &keys(), at(-30), SKEW).is_ok());
        assert_eq!(
            Grant::verify(&token, &keys(), at(-31), SKEW),
            Err(GrantError::NotYetValid)
        );
    }

    #[test]
    fn a_grant_ending_before_it_begins_and_a_key_of_zeros_are_refused() {
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        let mut backwards = grant(now);
        backwards.not_before = now + SignedDuration::from_secs(5);
        backwards.expires = now - SignedDuration::from_secs(5);
        let token = backwards.sign(&keys()).unwrap();
        assert_eq!(
            Grant::verify(&token, &keys(), now, SKEW),
            Err(GrantError::Malformed)
        );
        assert_eq!(
            SigningKey::new("k1", [0; 32]).err(),
            Some(GrantError::ZeroKey("k1".into()))
        );
    }

    #[test]
    fn an_older_key_still_verifies_but_an_unknown_one_does_not() {
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        let old = SigningKeys::new(vec![SigningKey::new("k1", [1; 32]).unwrap()]).unwrap();
        let token = grant(now).sign(&old).unwrap();
        assert!(Grant::verify(&token, &keys(), now, SKEW).is_ok());
        let stranger = SigningKeys::new(vec![SigningKey::new("k9", [9; 32]).unwrap()]).unwrap();
        assert_eq!(
            Grant::verify(&token, &stranger, now, SKEW),
            Err(GrantError::UnknownKey)
        );
    }

    #[test]
    fn same_key_id_with_other_secret_is_a_bad_signature() {
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        let forged = SigningKeys::new(vec![SigningKey::new("k2", [8; 32]).unwrap()]).unwrap();
        let token = grant(now).sign(&forged).unwrap();
        assert_eq!(
            Grant::verify(&token, &keys(), now, SKEW),
            Err(GrantError::BadSignature)
        );
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let shown = format!("{:?}", SigningKey::new("k1", [0xAB; 32]).unwrap());
        assert!(!shown.contains("171") && !shown.to_lowercase().contains("ab, "));
    }
}
