//! The user import on arbitrary bytes: decode → parse → map (both formats,
//! `catalog::csvfile`) → plan (`catalog::imports::plan`, pure, on a small
//! directory). Not only "does not panic": for every input it checks
//!
//! - reading is deterministic (the same bytes twice give the same result),
//!   and the same text reads the same in UTF-8, with a BOM and in Shift_JIS;
//! - every problem has a row ≥ 1 that the file has (at most one more than its
//!   line breaks), and a column that is a header cell of the file (or, for
//!   `too_many_fields`, the letter just right of the header; for a file-level
//!   problem, none);
//! - every data row is either a valid row or has errors, never both, in file
//!   order; valid rows hold normalised, distinct e-mails and cells that obey
//!   the column rules;
//! - writing the valid rows back (`csvfile::encode`, UTF-8; and Shift_JIS when
//!   the file was Shift_JIS) and reading again gives the same rows;
//! - `imports::read` (what the planner takes) agrees with `read_standard` /
//!   `read_hr`;
//! - the plan, for both modes and an admin's and a manager's reach, is
//!   deterministic, counts its rows, numbers file rows in order, touches each
//!   user at most once, stays within a manager's reach and never leaves the
//!   service without an active admin nor the importing admin demoted; and
//!   planning the file again after applying it changes nothing.
//!
//! The properties live in the crate's library (`fuzz/src/`). Run:
//! `scripts/fuzz.sh [SECONDS]`.

#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let read = manabi_fuzz::file::check(data);
    manabi_fuzz::plan::check(data, read);
});
