#!/usr/bin/env bash
# Fuzzes the CSV user import — decode → parse → map (catalog::csvfile, both
# formats) → plan (catalog::imports::plan) — with libFuzzer for SECONDS
# (default 20), from the seeds in fuzz/seeds/csv_import/ (each also added in
# Shift_JIS (CP932) and with a UTF-8 BOM) and the dictionary
# fuzz/csv_import.dict (header names and values, UTF-8 and CP932). The target
# checks properties, not only "no panic" (fuzz/fuzz_targets/csv_import.rs).
# Exits non-zero on any crash or violated property, printing the input; it is
# kept in fuzz/artifacts/csv_import/. Usage: scripts/fuzz.sh [SECONDS]
#
# Recipe: `cargo fuzz build/run --sanitizer none` on the stable toolchain.
# cargo-fuzz passes nightly-only flags only for a sanitizer (-Zsanitizer=…)
# and -Zbuild-std; without them its build is `cargo build --release` with the
# SanitizerCoverage flags stable rustc accepts (-Cpasses=sancov-module
# -Cllvm-args=-sanitizer-coverage-… --cfg fuzzing -Cdebug-assertions), and
# libfuzzer-sys compiles libFuzzer itself with g++. No RUSTC_BOOTSTRAP, no
# nightly. AddressSanitizer is not needed: the code under test is safe Rust
# (unsafe_code = "forbid"), so panics, failed assertions and overflow checks
# are what there is to find. fuzz/ is its own workspace with its own target
# dir (fuzz/target), so this never touches the main build; its Cargo.toml
# builds the server crates the target never runs unoptimised. From a clean
# state: ~1 min to install cargo-fuzz, 2.5-5 min to build on the two cores.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
target=csv_import
started=$(date +%s)
elapsed() { echo "$(( $(date +%s) - started )) s"; }

scripts/setup.sh fuzz
echo "fuzz: setup done after $(elapsed)"

# The corpus dir keeps what earlier local runs found (CI starts from the
# seeds alone); FUZZ_CORPUS=DIR picks another, e.g. an empty one to measure.
corpus=${FUZZ_CORPUS:-fuzz/corpus/$target}
mkdir -p "$corpus"
corpus=$(cd "$corpus" && pwd)
for seed in fuzz/seeds/"$target"/*.csv; do
  name=$(basename "$seed" .csv)
  cp "$seed" "$corpus/$name.csv"
  { printf '\xEF\xBB\xBF'; cat "$seed"; } >"$corpus/$name.bom.csv"
  iconv -f UTF-8 -t CP932 "$seed" >"$corpus/$name.sjis.csv" 2>/dev/null || rm -f "$corpus/$name.sjis.csv"
done

(cd fuzz && cargo fuzz build --sanitizer none "$target")
echo "fuzz: built after $(elapsed)"

status=0
marker=$(mktemp)
trap 'rm -f "$marker"' EXIT
(cd fuzz && cargo fuzz run --sanitizer none "$target" "$corpus" -- \
  -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=4096 \
  -dict="$target.dict" -print_final_stats=1) || status=$?
echo "fuzz: ran after $(elapsed); corpus: $(find "$corpus" -type f | wc -l) inputs"

if [ "$status" -ne 0 ]; then
  # The inputs of this run (earlier ones stay in the dir, not shown).
  find fuzz/artifacts/"$target" -type f -newer "$marker" 2>/dev/null | while read -r crash; do
    echo "fuzz: failing input $crash ($(wc -c <"$crash") bytes):"
    od -An -c "$crash" | head -40
  done
  echo "fuzz: FAILED (reproduce: cd fuzz && cargo fuzz run --sanitizer none $target <input>)" >&2
  exit "$status"
fi
