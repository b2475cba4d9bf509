#!/usr/bin/env bash
# Starts `manabi demo` on a free port with a fresh data directory, waits until
# its courses are published, and drives it in headless Chromium
# (player/tests/e2e.mjs): log in, open a course, play real HLS, heartbeat;
# then, as the demo's admin, the one-time password and the administration pages,
# the notices (お知らせ管理, the banner learner2 sees after logging in, and
# the manager refused the admin-only page), and グループ, ごみ箱, 監査ログ and
# データ出力 (learner3 added to a new group); the phone and keyboard-only
# journeys, the learner's home and history, the text size and idle warning,
# and, as the demo's editor, 講座の編集 (a course made, a video uploaded and
# processed, captions, published). axe-core checks every page on the way.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/debug/manabi}
work=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# Grants of 6 s (no clock skew) so the test also sees a grant expire and the
# player switch to the renewed one mid-play (player/tests/e2e.mjs).
MANABI_DATA_DIR="$work/data" MANABI_HTTP__ADDR=127.0.0.1:0 MANABI_LOG__LEVEL=warn \
  MANABI_CATALOG__GRANT_TTL_SECONDS=6 MANABI_ORIGIN__GRANT_SKEW_SECONDS=0 \
  "$bin" demo >"$work/demo.out" 2>"$work/demo.err" &
server=$!

for _ in $(seq 1 240); do
  grep -q "demo ready" "$work/demo.out" 2>/dev/null && break
  if ! kill -0 "$server" 2>/dev/null; then
    echo "browser-test: manabi demo exited early:" >&2
    cat "$work/demo.out" "$work/demo.err" >&2
    exit 1
  fi
  sleep 1
done
if ! grep -q "demo ready" "$work/demo.out"; then
  echo "browser-test: the demo was not ready within 4 minutes" >&2
  cat "$work/demo.out" "$work/demo.err" >&2
  exit 1
fi
grep -q "admin@manabi.example" "$work/demo.out" || { echo "browser-test: the demo did not print the admin login" >&2; exit 1; }

base=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$work/demo.out" | head -1)
password=$(awk '$1 == "learner1@manabi.example" {print $2}' "$work/data/demo-logins.txt")
admin_password=$(awk '$1 == "admin@manabi.example" {print $2}' "$work/data/demo-logins.txt")
notice_password=$(awk '$1 == "learner2@manabi.example" {print $2}' "$work/data/demo-logins.txt")
manager_password=$(awk '$1 == "manager@manabi.example" {print $2}' "$work/data/demo-logins.txt")
editor_password=$(awk '$1 == "editor@manabi.example" {print $2}' "$work/data/demo-logins.txt")
if BASE_URL="$base" E2E_EMAIL=learner1@manabi.example E2E_PASSWORD="$password" \
   E2E_ADMIN_EMAIL=admin@manabi.example E2E_ADMIN_PASSWORD="$admin_password" \
   E2E_OTP_EMAIL=learner3@manabi.example \
   E2E_NOTICE_EMAIL=learner2@manabi.example E2E_NOTICE_PASSWORD="$notice_password" \
   E2E_MANAGER_EMAIL=manager@manabi.example E2E_MANAGER_PASSWORD="$manager_password" \
   E2E_EDITOR_EMAIL=editor@manabi.example E2E_EDITOR_PASSWORD="$editor_password" \
   SCREENSHOT_DIR="${SCREENSHOT_DIR:-$work}" node player/tests/e2e.mjs; then
  echo "browser: 1 passed, 0 failed"
else
  echo "browser: 0 passed, 1 failed"
  tail -20 "$work/demo.err" >&2
  exit 1
fi
