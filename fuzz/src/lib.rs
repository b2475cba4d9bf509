//! The properties the fuzz targets in `fuzz_targets/` check, as functions
//! that panic when one does not hold (libFuzzer then keeps the input).
//!
//! # Layout
//! - [`file`]: an import file read by `catalog::csvfile` — determinism, rows
//!   and columns of problems, valid rows obeying the column rules.
//! - [`round_trip`]: the valid rows written back read the same; the same text
//!   reads the same in every encoding.
//! - [`city`]: the small directory the planner runs against, and what apply
//!   would make of it.
//! - [`plan`]: the planner on that directory — counts, order, reach, no
//!   lock-out, and nothing left to do when the file is planned again after
//!   it was applied.

pub mod city;
pub mod file;
pub mod plan;
pub mod round_trip;
