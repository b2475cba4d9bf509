#!/usr/bin/env bash
# How robust is the CSV user import against arbitrary files? Fuzzes decode →
# parse → map → plan (fuzz/fuzz_targets/csv_import.rs) for SECONDS (default
# 600) from the seeds alone, in a fresh corpus dir that is kept afterwards
# (fuzz/corpus/bench-DATE), and prints libFuzzer's final statistics:
# executions, executions per second, corpus size. Exits non-zero on a crash or
# a violated property. The test command runs the same for 20 s
# (scripts/fuzz.sh 20). Usage: benches/fuzz_csv.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
corpus=fuzz/corpus/bench-$(date +%Y%m%d-%H%M%S)
mkdir -p "$corpus"
echo "bench: fuzzing csv_import for $seconds s into $corpus"
FUZZ_CORPUS=$corpus exec scripts/fuzz.sh "$seconds"
