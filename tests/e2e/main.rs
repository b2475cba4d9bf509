//! End-to-end tests of the whole binary: the real application on a random
//! port with a temporary data directory, driven over HTTP as a client would.

// Test helpers may panic on anything unexpected: that is how a test fails.
#![allow(clippy::unwrap_used)]

mod admin;
mod app;
mod authz;
mod backups;
mod cli;
mod crash;
mod demo;
mod erase;
mod governor;
mod https;
mod imports;
mod jobs;
mod mail;
mod notices;
mod path;
mod people;
mod records;
mod s3;
mod security;
