#!/usr/bin/env bash
# Starts manabi with demo content on http://127.0.0.1:8080 (MANABI_HTTP__ADDR)
# with its data in ./data (MANABI_DATA_DIR), and prints the logins.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
cargo build --release --locked
exec target/release/manabi demo "$@"
