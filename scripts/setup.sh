#!/usr/bin/env bash
# Installs what manabi needs on Debian/Ubuntu when it is missing, and the
# front end's npm packages. Usage: scripts/setup.sh [build|test]
#   build: FFmpeg development libraries, libclang, pkg-config (for ffmpeg-next)
#   test:  the above plus Chromium and a Japanese font (browser tests)
set -euo pipefail
cd "$(dirname "$0")/.."
need=${1:-build}

packages=(libavcodec-dev libavformat-dev libavfilter-dev libavdevice-dev libswscale-dev
          libswresample-dev libavutil-dev libclang-dev pkg-config)
if [ "$need" = test ]; then
  packages+=(chromium fonts-ipafont-gothic)
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
command -v npm >/dev/null || { echo "setup: npm not found: install Node.js 20" >&2; exit 1; }

# The front end: exact versions from package-lock.json, then the bundle the binary serves.
(cd player && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build)
