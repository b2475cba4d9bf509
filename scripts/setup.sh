#!/usr/bin/env bash
# Installs what manabi needs on Debian/Ubuntu when it is missing, and the
# front end's npm packages. Usage: scripts/setup.sh [build|test]
#   build: FFmpeg development libraries, libclang, pkg-config (for ffmpeg-next),
#          libssl-dev (the libcrypto SQLCipher encrypts the database with)
#   test:  the above plus Chromium and a Japanese font (browser tests), the
#          ffmpeg command (the browser test makes the video it uploads), aiosmtpd
#          and openssl (the invitation e-mails' SMTP server and its test CA), and
#          s3s-fs, the S3-compatible server the store's tests run against
#   fuzz:  only what scripts/fuzz.sh needs: g++ (libFuzzer) and cargo-fuzz
set -euo pipefail
cd "$(dirname "$0")/.."
need=${1:-build}

packages=(libavcodec-dev libavformat-dev libavfilter-dev libavdevice-dev libswscale-dev
          libswresample-dev libavutil-dev libclang-dev pkg-config libssl-dev)
if [ "$need" = test ]; then
  packages+=(chromium fonts-ipafont-gothic ffmpeg python3-aiosmtpd openssl python3-markdown)
fi
if [ "$need" = fuzz ]; then
  packages=(g++ libssl-dev pkg-config)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

command -v cargo >/dev/null || { echo "setup: cargo not found: install Rust (https://rustup.rs)" >&2; exit 1; }
# cargo-fuzz builds and runs the libFuzzer targets in fuzz/ (on stable: see scripts/fuzz.sh).
if [ "$need" = fuzz ]; then
  fuzz_version=0.13.2
  if [ "$(cargo fuzz --version 2>/dev/null)" != "cargo-fuzz $fuzz_version" ]; then
    echo "setup: installing cargo-fuzz $fuzz_version (about 1 minute)"
    cargo install cargo-fuzz --version "$fuzz_version" --locked
  fi
  exit 0
fi

command -v npm >/dev/null || { echo "setup: npm not found: install Node.js 20" >&2; exit 1; }

# s3s-fs checks request signatures, so the S3 store's tests prove signing works.
# Newer releases need a newer rustc; an installed binary is kept (cache ~/.cargo/bin in CI).
if [ "$need" = test ]; then
  s3s_version=0.14.1
  s3s=$(command -v s3s-fs || echo "$HOME/.cargo/bin/s3s-fs")
  installed=""
  if [ -x "$s3s" ]; then
    # A binary that cannot say its version is taken as it is.
    installed=$("$s3s" --version 2>/dev/null || echo "s3s-fs $s3s_version")
  fi
  if [ "$installed" != "s3s-fs $s3s_version" ]; then
    echo "setup: installing s3s-fs $s3s_version (was: ${installed:-none}; about 4 minutes)"
    cargo install s3s-fs --version "$s3s_version" --features binary --locked
  fi
fi

# The front end: exact versions from package-lock.json, then the bundle the binary serves.
(cd player && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build)
