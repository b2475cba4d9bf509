//! The small vocabulary every part of manabi agrees on, with no I/O.
//!
//! # Layout
//! - [`ids`]: typed identifiers (`UserId`, `VideoId`, …) so that one kind of id
//!   can never be passed where another is expected.
//! - [`email`]: `Email::parse`, the normalised login id.
//! - [`role`]: the four roles and what each may do.
//! - [`grant`]: the playback grant — the catalog signs it, the origin verifies it
//!   (HMAC-SHA-256, RFC 2104). Living here, issuer and verifier cannot drift.
//! - [`job`]: a claimed transcode job (video + attempt → revision prefix).
//! - [`ladder`]: renditions of an adaptive HLS ladder.
//! - [`site`]: office networks (CIDRs, trusted proxies) and their bandwidth budgets.
//! - [`webvtt`]: WebVTT cue timestamps (captions and seek thumbnails).
//! - [`error_code`]: stable machine codes shared by every HTTP error body.

pub mod email;
pub mod error_code;
pub mod grant;
pub mod ids;
pub mod job;
pub mod ladder;
pub mod role;
pub mod site;
pub mod webvtt;

pub use email::Email;
pub use error_code::ErrorCode;
pub use grant::{Grant, GrantError, MAX_GRANT_SKEW_SECONDS, SigningKey, SigningKeys};
pub use ids::{CategoryId, CourseId, GroupId, LessonId, PlaybackSessionId, UserId, VideoId};
pub use job::Job;
pub use ladder::{Ladder, Rung};
pub use role::Role;
pub use site::{BitrateCaps, Network};
