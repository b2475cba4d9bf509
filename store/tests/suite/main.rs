//! One test suite for every store: each case in [`cases`] runs against a
//! [`LocalStore`] in a temporary directory and against an [`S3Store`] talking
//! to a real S3-compatible server (s3s-fs, which checks request signatures)
//! on loopback. [`faults`] covers what only a remote store can do: bad
//! credentials, an unreachable or failing server.

// Test helpers may panic on anything unexpected: that is how a test fails.
#![allow(clippy::unwrap_used)]

mod cases;
mod encryption;
mod faults;
mod s3s;

use std::path::Path;
use std::sync::Arc;
use store::{LocalStore, Store};
use tempfile::TempDir;

/// A store under test and a scratch directory for the files it moves.
pub struct Env {
    pub store: Arc<dyn Store>,
    scratch: TempDir,
    // Dropped after the store: stops the server, then removes its files.
    _server: Option<s3s::Server>,
}

impl Env {
    /// A local store in a fresh temporary directory.
    pub fn local() -> Self {
        let scratch = tempfile::tempdir().unwrap();
        let store = LocalStore::open(scratch.path().join("media")).unwrap();
        Self {
            store: Arc::new(store),
            scratch,
            _server: None,
        }
    }

    /// An S3 store on a fresh s3s-fs server, with small parts and list pages
    /// so that a few megabytes exercise multipart uploads and pagination.
    pub async fn s3() -> Self {
        let server = s3s::Server::start().await;
        let store = server
            .store(|_| {})
            .with_part_size(store::s3::MIN_PART_SIZE)
            .with_list_page(10);
        Self {
            store: Arc::new(store),
            scratch: tempfile::tempdir().unwrap(),
            _server: Some(server),
        }
    }

    /// Where a case writes the files it puts and gets.
    pub fn scratch(&self) -> &Path {
        self.scratch.path()
    }
}

/// Declares every case once per store: `local::case` and `s3::case`.
macro_rules! suite {
    ($($case:ident),* $(,)?) => {
        mod local {
            $(
                #[tokio::test]
                async fn $case() {
                    let env = crate::Env::local();
                    crate::cases::$case(&*env.store, env.scratch()).await;
                }
            )*
        }
        mod s3 {
            $(
                #[tokio::test]
                async fn $case() {
                    let env = crate::Env::s3().await;
                    crate::cases::$case(&*env.store, env.scratch()).await;
                }
            )*
        }
    };
}

suite!(
    missing_object_is_not_found,
    put_bytes_then_get_and_head,
    ranges_are_clamped_and_checked,
    empty_object_has_no_satisfiable_range,
    overwrite_replaces_the_object,
    an_opened_object_keeps_its_bytes_when_replaced_or_deleted,
    delete_prefix_removes_exactly_the_prefix,
    delete_prefix_removes_more_than_a_page,
    put_file_moves_a_multi_megabyte_file,
    put_file_of_a_missing_file_is_not_found,
    get_to_file_replaces_the_destination,
    publish_dir_moves_a_package_under_its_revision,
    check_succeeds,
    list_names_every_object_below_the_prefix,
    mirror_becomes_an_exact_copy_and_says_what_differed,
);
