//! The `manabi` binary's library: configuration, roles and commands, so that
//! end-to-end tests can start the real application in-process.
//!
//! # Layout
//! - [`config`]: layered configuration (defaults → file → `MANABI_*` env).
//! - [`keys`]: the playback-grant key file.
//! - [`telemetry`]: structured logs and request ids.
//! - [`jobs`]: the catalog as the transcoder's job source (in-process).
//! - [`remote`]: the same over the catalog's internal HTTP API (remote workers).
//! - [`roles`]: starting the catalog, origin and worker roles in one process.
//! - [`demo`]: seeding demo content with generated videos.
//! - [`backups`]: `manabi backup`, `restore` and the restore drill.
//! - [`erase`]: `manabi purge --all` (alias `erase`), the deletion of everything at the end of the contract.
//! - [`https`]: the optional built-in HTTPS server.
//! - [`cli`]: the command line.

pub mod backups;
pub mod cli;
pub mod config;
pub mod demo;
pub mod erase;
pub mod https;
pub mod jobs;
pub mod keys;
pub mod remote;
pub mod roles;
pub mod telemetry;
