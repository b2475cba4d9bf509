#!/usr/bin/env bash
# Runs every test: formatting, lints, the Rust unit and end-to-end tests, a
# 20 s fuzz run of the CSV import, the front end's unit tests, and the browser
# test in Chromium against a real `manabi demo`. Installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
step() { printf '\n== %s (%ds)\n' "$*" "$(( $(date +%s) - started ))"; }

step "setup"
# Free disk space, for reading a failure: a clean run writes about 2.5 GB
# (target/ 1.5 GB, fuzz/target 0.9 GB), plus the packages setup installs.
df -h . | tail -1
scripts/setup.sh test

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy"
cargo clippy --locked --all-targets -- -D warnings

step "cargo test"
cargo test --locked --workspace

step "fuzz: the CSV import for 20 s"
scripts/fuzz.sh 20

step "front end: typecheck and unit tests"
(cd player && npm run --silent typecheck && npm test)

step "browser: the demo in Chromium"
scripts/browser-test.sh target/debug/manabi

step "all tests passed in $(( $(date +%s) - started )) s"
