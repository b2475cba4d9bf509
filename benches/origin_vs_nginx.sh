#!/usr/bin/env bash
# Issue 4 benchmark: manabi's HLS origin against nginx serving the same files.
#
#   benches/origin_vs_nginx.sh [--duration S] [--runs N]
#
#   --duration S  length of each wrk run in seconds (default 15)
#   --runs N      wrk runs per server and scenario (default 3; medians reported)
#   --only LIST   only these scenarios, e.g. seg1m:256,master:64 (default: all)
#
# What it does, and why:
#   1. Installs what is missing (nginx and wrk from Debian, the ffmpeg CLI,
#      curl, jq, procps, the FFmpeg development packages the build needs) and
#      builds the release binary (`cargo build --release --locked`, honouring
#      CARGO_TARGET_DIR). BENCH_MANABI_BIN=path skips the build (not MANABI_*:
#      manabi reads every MANABI_* variable as config).
#   2. Real content and real grants: starts `manabi serve` (role all) on a
#      fresh data directory, creates an admin and a learner with `manabi user
#      add`, uploads a generated 1080p testsrc2 clip with temporal noise (so
#      the rungs hit their bitrate caps: 6 s of 720p is about 1.9 MB, of 540p
#      about 0.9 MB) through the HTTP API, waits until it is ready, puts it in
#      a published course and has the learner play it several times: one
#      grant per "viewer". The catalog is then stopped.
#   3. The two servers, side by side on loopback: `manabi serve --role origin`
#      on the same data directory (it verifies the grants with the same key
#      file, data/keys/grant.keys), and nginx 1.22 in the foreground with its
#      own config in the temporary directory (sendfile, open_file_cache,
#      worker_processes = cores, access_log off), its root at the video's HLS
#      directory. Both serve identical bytes: checked with cmp before any load.
#   4. wrk (--latency, a Lua script cycling through several URLs so requests
#      spread over several segments and grants) on: segments of ~2 MB and
#      ~1 MB at 64 and 256 connections, and the master playlist at 64. Each
#      scenario runs N rounds; in each round both servers run once, the order
#      swapping every round. Server CPU is utime+stime of the server processes
#      (nginx: master and every worker) from /proc/PID/stat before and after
#      each run; bytes and latency percentiles come from wrk's done() hook.
#   5. Prints one markdown table per scenario with medians, every run, and the
#      issue's targets (requests/s >= 1.0x nginx, p99 <= nginx, CPU-s/GB <=
#      1.2x nginx; master playlist requests/s >= 1.0x nginx) met / NOT met.
#
# Everything is written under one temporary directory, removed at exit.
# Progress goes to stderr; the report goes to stdout.
set -Eeuo pipefail
# Say where an unexpected failure happened instead of stopping silently.
trap 'echo "[bench] failed (status $?) at line $LINENO: $BASH_COMMAND" >&2' ERR

# ---------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------
CLIP_S=30                     # length of the uploaded clip (five 6 s segments per rung)
NOISE=12                      # temporal noise strength: enough to hit every rung's cap
VIEWERS=8                     # play calls, so requests carry eight different grants
SEGS_PER_RUNG=4               # segments each wrk run cycles through
GRANT_TTL_S=86400             # grants outlive the whole benchmark
WARMUP_S=3                    # a short wrk run per server and content before measuring
WRK_TIMEOUT_S=10              # wrk's per-request timeout (its default of 2 s would drop slow answers)
THREADS=$(nproc)              # wrk threads; nginx workers and the origin's runtime also follow the cores
# Scenarios: content kind (seg2m, seg1m, master) and connections.
SCENARIO_KINDS=(seg2m seg2m seg1m seg1m master)
SCENARIO_CONNS=(64 256 64 256 64)
declare -A TARGET_SEG_BYTES=([seg2m]=2000000 [seg1m]=1000000)
# Issue 4 targets (manabi / nginx).
TARGET_RPS_RATIO=1.0
TARGET_P99_RATIO=1.0
TARGET_CPU_RATIO=1.2

RUNS=3
DURATION=15

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MANABI="" MANABI_ORIGIN=""
WORK=""    # the temporary directory, removed at exit
CHILD=""   # the bounded command running now, stopped on Ctrl-C / SIGTERM
SERVERS=() # PIDs of the servers this script started, stopped at exit
CATALOG_PID="" ORIGIN_PID="" NGINX_PID=""
CATALOG_PORT="" ORIGIN_PORT="" NGINX_PORT=""
ROUND_LOADS="" # 1-min load average at the start of each round
VIDEO_ID="" HLS_DIR="" REVISION=""
TOKENS=()
CLK_TCK=$(getconf CLK_TCK)

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

usage() {
  sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

# only_scenarios "seg1m:256,master:64": keeps just those scenarios.
only_scenarios() {
  local want=",$1," kinds=() conns=() s
  for ((s = 0; s < ${#SCENARIO_KINDS[@]}; s++)); do
    if [[ "$want" == *",${SCENARIO_KINDS[$s]}:${SCENARIO_CONNS[$s]},"* ]]; then
      kinds+=("${SCENARIO_KINDS[$s]}") conns+=("${SCENARIO_CONNS[$s]}")
    fi
  done
  ((${#kinds[@]})) || die "--only: no scenario matches $1 (known: seg2m:64 seg2m:256 seg1m:64 seg1m:256 master:64)"
  SCENARIO_KINDS=("${kinds[@]}") SCENARIO_CONNS=("${conns[@]}")
}

parse_args() {
  while [ $# -gt 0 ]; do
    case "$1" in
    --duration)
      DURATION=${2:-}
      shift 2 || die "--duration needs a value"
      ;;
    --runs)
      RUNS=${2:-}
      shift 2 || die "--runs needs a value"
      ;;
    --only)
      only_scenarios "${2:-}"
      shift 2 || die "--only needs a value"
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *) die "unknown argument: $1 (see --help)" ;;
    esac
  done
  [[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive integer"
  [[ "$DURATION" =~ ^[1-9][0-9]*$ ]] || die "--duration must be a positive integer"
}

# ---------------------------------------------------------------------------
# Tools
# ---------------------------------------------------------------------------

apt_install() {
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "need root or sudo to install: $*"
    sudo=sudo
  fi
  log "installing $*"
  # Try without refreshing the package lists first: most machines have them.
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "$@" >&2 ||
    {
      $sudo apt-get update -q >&2
      DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "$@" >&2
    }
}

deb_installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

ensure_tools() {
  local missing=()
  # Debian's nginx package is the server binary (the system service it
  # installs is never used here: this script runs its own instance).
  command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
  command -v wrk >/dev/null || missing+=(wrk)
  command -v ffmpeg >/dev/null || missing+=(ffmpeg)
  command -v curl >/dev/null || missing+=(curl)
  command -v jq >/dev/null || missing+=(jq)
  command -v pgrep >/dev/null || missing+=(procps)
  if [ -z "${BENCH_MANABI_BIN:-}" ]; then
    # What ffmpeg-next needs to build (same list as scripts/setup.sh build).
    local p
    for p in libavcodec-dev libavformat-dev libavfilter-dev libavdevice-dev libswscale-dev \
      libswresample-dev libavutil-dev libclang-dev pkg-config; do
      deb_installed "$p" || missing+=("$p")
    done
  fi
  [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
  command -v nginx >/dev/null || PATH=$PATH:/usr/sbin
  command -v nginx >/dev/null || die "nginx not found after installing it"
  command -v timeout >/dev/null || die "timeout (coreutils) not found"
}

build_manabi() {
  if [ -n "${BENCH_MANABI_BIN:-}" ]; then
    MANABI=$BENCH_MANABI_BIN
    MANABI_ORIGIN="BENCH_MANABI_BIN=$MANABI (not built by this run)"
    log "using BENCH_MANABI_BIN=$MANABI (no build)"
  else
    command -v cargo >/dev/null || die "cargo not found: install Rust (https://rustup.rs)"
    log "cargo build --release --locked"
    (cd "$ROOT" && cargo build --release --locked >&2) ||
      die "the release build failed (set BENCH_MANABI_BIN to benchmark an existing binary)"
    local target=${CARGO_TARGET_DIR:-$ROOT/target}
    [[ "$target" = /* ]] || target=$ROOT/$target
    MANABI=$target/release/manabi
    # Other work may be in progress in the tree: say what was built.
    MANABI_ORIGIN="built from $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    if [ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
      MANABI_ORIGIN+=" with uncommitted changes"
    fi
  fi
  [ -x "$MANABI" ] || die "manabi binary not found at $MANABI"
}

# run_bounded SECONDS CMD...: runs CMD with a time limit, so a hung client
# cannot stall the benchmark. `timeout` puts CMD in its own process group
# (so the whole tree can be killed) which also hides it from the terminal's
# Ctrl-C; running it in the background and waiting lets the signal trap
# below stop it at once instead of after CMD finishes.
run_bounded() {
  local limit=$1 rc=0
  shift
  timeout --kill-after=10 "$limit" "$@" &
  CHILD=$!
  wait "$CHILD" || rc=$?
  CHILD=""
  return "$rc"
}

# ---------------------------------------------------------------------------
# Servers
# ---------------------------------------------------------------------------

# A TCP port nothing listens on now (nginx needs a fixed one; manabi binds
# port 0 and says which port it got).
free_port() {
  local p i
  for ((i = 0; i < 100; i++)); do
    p=$((20000 + RANDOM % 30000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return 0
    fi
  done
  die "no free TCP port found"
}

# The environment every manabi process of this benchmark gets. The log level
# is warn: nginx runs with access_log off, and at info manabi writes one line
# per request.
manabi_env() {
  export MANABI_DATA_DIR=$WORK/data
  export MANABI_LOG__LEVEL=warn
  export MANABI_CATALOG__GRANT_TTL_SECONDS=$GRANT_TTL_S
  export MANABI_TRANSCODER__THREADS=${MANABI_TRANSCODER__THREADS:-$(nproc)}
}

# start_manabi ROLE NAME: starts `manabi serve --role ROLE` on a port of its
# choosing (NAME names its output files); sets STARTED_PID and STARTED_PORT
# once it listens.
start_manabi() {
  local role=$1 out=$WORK/$2.out errlog=$WORK/$2.log i
  # Created here, not by the child's redirection, so the first read below
  # cannot come before the file exists.
  : >"$out"
  MANABI_HTTP__ADDR=127.0.0.1:0 "$MANABI" serve --role "$role" >"$out" 2>"$errlog" &
  STARTED_PID=$!
  SERVERS+=("$STARTED_PID")
  STARTED_PORT=""
  for ((i = 0; i < 600; i++)); do
    # "manabi: http://127.0.0.1:PORT/ (All)"
    STARTED_PORT=$(sed -n 's|^manabi: http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$out")
    [ -z "$STARTED_PORT" ] || break
    kill -0 "$STARTED_PID" 2>/dev/null || {
      tail -n 20 "$errlog" >&2
      die "manabi serve --role $role exited (log above)"
    }
    sleep 0.1
  done
  [ -n "$STARTED_PORT" ] || die "manabi serve --role $role did not listen within 60 s"
  log "manabi --role $role listening on 127.0.0.1:$STARTED_PORT (pid $STARTED_PID)"
}

# Stops one server this script started and forgets it (so a reused PID is
# never signalled later).
stop_server() {
  local pid=$1 i rest=() p
  for p in "${SERVERS[@]}"; do [ "$p" = "$pid" ] || rest+=("$p"); done
  SERVERS=("${rest[@]}")
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# The nginx configuration: the settings a careful operator would use for
# static HLS (sendfile, open_file_cache, one worker per core, no access log),
# everything else at nginx's defaults except what keeps it inside $WORK.
nginx_conf() {
  local prefix=$1 port=$2 root=$3
  cat <<EOF
daemon off;
master_process on;
user $(id -un);
worker_processes $(nproc);
pid $prefix/nginx.pid;
error_log $prefix/error.log warn;
events { worker_connections 4096; }
http {
    types {
        application/vnd.apple.mpegurl m3u8;
        video/iso.segment m4s;
        video/mp4 mp4;
    }
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    open_file_cache max=1000 inactive=60s;
    open_file_cache_valid 60s;
    open_file_cache_errors on;
    # Like manabi's origin, never close a keep-alive connection mid-run.
    keepalive_requests 1000000;
    access_log off;
    client_body_temp_path $prefix/tmp/body;
    proxy_temp_path $prefix/tmp/proxy;
    fastcgi_temp_path $prefix/tmp/fastcgi;
    uwsgi_temp_path $prefix/tmp/uwsgi;
    scgi_temp_path $prefix/tmp/scgi;
    server {
        listen 127.0.0.1:$port;
        root $root;
    }
}
EOF
}

start_nginx() {
  local prefix=$WORK/nginx i
  mkdir -p "$prefix/tmp"
  NGINX_PORT=$(free_port)
  nginx_conf "$prefix" "$NGINX_PORT" "$HLS_DIR" >"$prefix/nginx.conf"
  nginx -p "$prefix" -e "$prefix/error.log" -c "$prefix/nginx.conf" -t >/dev/null 2>&1 || {
    nginx -p "$prefix" -e "$prefix/error.log" -c "$prefix/nginx.conf" -t >&2 || true
    die "nginx rejected its configuration"
  }
  nginx -p "$prefix" -e "$prefix/error.log" -c "$prefix/nginx.conf" >"$prefix/stdout" 2>&1 &
  NGINX_PID=$!
  SERVERS+=("$NGINX_PID")
  for ((i = 0; i < 100; i++)); do
    curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$NGINX_PORT/" && break
    kill -0 "$NGINX_PID" 2>/dev/null || {
      tail -n 20 "$prefix/error.log" >&2 || true
      die "nginx exited (log above)"
    }
    sleep 0.1
  done
  log "nginx listening on 127.0.0.1:$NGINX_PORT (master pid $NGINX_PID, workers $(pgrep -P "$NGINX_PID" | paste -sd' '))"
}

# The processes whose CPU is counted for SERVER: the origin process (all its
# threads), or nginx's master and every worker.
server_pids() {
  case "$1" in
  manabi) echo "$ORIGIN_PID" ;;
  nginx)
    echo "$NGINX_PID"
    pgrep -P "$NGINX_PID" || true
    ;;
  esac
}

# Sum of utime + stime (fields 14 and 15 of /proc/PID/stat, in clock ticks)
# of the given processes. The command name (field 2) may hold spaces: cut
# everything up to its closing parenthesis first.
cpu_ticks() {
  local pid sum=0 t
  for pid in "$@"; do
    t=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{ print $12 + $13 }') || t=0
    sum=$((sum + ${t:-0}))
  done
  echo "$sum"
}

# ---------------------------------------------------------------------------
# Content and grants, through the catalog's HTTP API
# ---------------------------------------------------------------------------

# A 1920x1080 30 fps testsrc2 with temporal noise and a tone, x264 with a
# 16 Mbit/s cap so the upload stays small while the noise survives: every
# rung of the standard ladder then hits its maxrate.
gen_clip() {
  local out=$1
  run_bounded $((600 + CLIP_S * 20)) \
    ffmpeg -hide_banner -nostdin -nostats -loglevel error -y \
    -filter_complex "testsrc2=s=1920x1080:r=30:d=$CLIP_S,noise=alls=$NOISE:allf=t,format=yuv420p[v];sine=frequency=440:sample_rate=48000:duration=$CLIP_S,pan=stereo|c0=c0|c1=c0[a]" \
    -map '[v]' -map '[a]' -c:v libx264 -preset veryfast -crf 18 -maxrate 16M -bufsize 32M \
    -c:a aac -b:a 192k -movflags +faststart "$out" ||
    die "generating $out failed"
}

# api JAR METHOD PATH [curl args...]: one catalog API call with the session
# of JAR (cookie file; the CSRF token is kept beside it); prints the body.
api() {
  local jar=$1 method=$2 path=$3 csrf="" out
  shift 3
  [ ! -f "$jar.csrf" ] || csrf=$(cat "$jar.csrf")
  out=$(curl -sS --fail-with-body --max-time 120 -b "$jar" -c "$jar" \
    -H "X-CSRF-Token: $csrf" -X "$method" "$@" "http://127.0.0.1:$CATALOG_PORT$path") ||
    die "$method $path failed: ${out:0:500}"
  printf '%s\n' "$out"
}

api_json() {
  local jar=$1 method=$2 path=$3 body=$4
  api "$jar" "$method" "$path" -H 'Content-Type: application/json' --data-binary "$body"
}

# add_user_and_login EMAIL ROLE JAR
add_user_and_login() {
  local email=$1 role=$2 jar=$3 password
  password=$(head -c 18 /dev/urandom | base64 | tr '+/' 'xy')
  printf '%s\n' "$password" | "$MANABI" user add --email "$email" --role "$role" --password-stdin >&2 ||
    die "manabi user add $email failed"
  : >"$jar"
  api_json "$jar" POST /api/v1/session "$(jq -nc --arg e "$email" --arg p "$password" '{email: $e, password: $p}')" |
    jq -er .csrf_token >"$jar.csrf" || die "login of $email returned no CSRF token"
}

# Upload → ready → course → publish → play (tests/e2e/path.rs walks the same
# routes). Sets VIDEO_ID, REVISION, HLS_DIR and TOKENS.
prepare_content() {
  local admin=$WORK/admin.jar learner=$WORK/learner.jar body status i
  add_user_and_login admin@bench.example admin "$admin"
  add_user_and_login learner@bench.example learner "$learner"

  log "uploading the clip ($(du -h "$WORK/clip.mp4" | cut -f1))"
  body=$(api "$admin" POST /api/v1/videos -H 'X-Filename: bench-testsrc2.mp4' \
    -H 'Content-Type: video/mp4' --data-binary "@$WORK/clip.mp4")
  VIDEO_ID=$(jq -er .id <<<"$body") || die "upload returned no id: $body"
  log "video $VIDEO_ID queued; waiting for the transcode"
  for ((i = 0; i < 1800; i++)); do
    body=$(api "$admin" GET "/api/v1/videos/$VIDEO_ID")
    status=$(jq -r .status <<<"$body")
    case "$status" in
    ready) break ;;
    failed) die "the transcode failed: $body" ;;
    esac
    sleep 1
  done
  [ "$status" = ready ] || die "video $VIDEO_ID still $status after 30 min"
  log "video $VIDEO_ID ready"

  local category course
  category=$(api "$admin" GET /api/v1/categories | jq -er '.items[0].id')
  course=$(api_json "$admin" POST /api/v1/courses \
    "$(jq -nc --argjson c "$category" --argjson v "$VIDEO_ID" \
      '{category_id: $c, title: "Benchmark", lessons: [{title: "testsrc2", video_id: $v}]}')" |
    jq -er .id)
  api_json "$admin" POST "/api/v1/courses/$course/publish" '{}' >/dev/null

  # One play per viewer: each gives a session and a grant of its own.
  local url master=""
  for ((i = 0; i < VIEWERS; i++)); do
    url=$(api_json "$learner" POST "/api/v1/videos/$VIDEO_ID/play" '{}' | jq -er .master_url)
    # /media/v/{video}/{token}/{revision}/master.m3u8
    [[ "$url" =~ ^/media/v/$VIDEO_ID/([^/]+)/(.+)$ ]] || die "unexpected master_url: $url"
    TOKENS+=("${BASH_REMATCH[1]}")
    master=${BASH_REMATCH[2]}
  done
  [[ "$master" =~ ^([A-Za-z0-9_-]+)/master\.m3u8$ ]] || die "unexpected master path: $master"
  REVISION=${BASH_REMATCH[1]}
  HLS_DIR=$WORK/data/media/videos/$VIDEO_ID/hls
  [ -f "$HLS_DIR/$REVISION/master.m3u8" ] || die "no $HLS_DIR/$REVISION/master.m3u8 on disk"
  log "$VIEWERS grants for $REVISION/master.m3u8; media under $HLS_DIR"
}

# pick_segments KIND: writes "relative-path bytes" of the SEGS_PER_RUNG
# segments closest to the kind's target size, all from the one video rung
# whose median segment is closest to it.
pick_segments() {
  local kind=$1 target=${TARGET_SEG_BYTES[$1]} rung best="" best_d=""
  for rung in "$HLS_DIR/$REVISION"/*/; do
    rung=$(basename "$rung")
    [[ "$rung" =~ ^[0-9]+p$ ]] || continue # video rungs only (not audio, stills)
    local med d
    med=$(find "$HLS_DIR/$REVISION/$rung" -maxdepth 1 -name '*.m4s' -printf '%s\n' | sort -n |
      awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }')
    [ -n "$med" ] || continue
    d=$((med > target ? med - target : target - med))
    if [ -z "$best_d" ] || [ "$d" -lt "$best_d" ]; then best=$rung best_d=$d; fi
  done
  [ -n "$best" ] || die "no video rung with segments under $HLS_DIR/$REVISION"
  find "$HLS_DIR/$REVISION/$best" -maxdepth 1 -name '*.m4s' -printf "$REVISION/$best/%f %s\n" |
    awk -v t="$target" '{ d = $2 - t; print (d < 0 ? -d : d), $0 }' | sort -n |
    head -n "$SEGS_PER_RUNG" | cut -d' ' -f2- | LC_ALL=C sort >"$WORK/$kind.segments"
}

# The URL paths of KIND for SERVER, one a line. manabi: every segment with
# every grant (consecutive requests differ in segment); nginx: the
# same files by their plain paths.
paths_for() {
  local server=$1 kind=$2 i=0 rel
  if [ "$kind" = master ]; then
    if [ "$server" = manabi ]; then
      for rel in "${TOKENS[@]}"; do echo "/media/v/$VIDEO_ID/$rel/$REVISION/master.m3u8"; done
    else
      echo "/$REVISION/master.m3u8"
    fi
    return
  fi
  local segs=()
  mapfile -t segs < <(cut -d' ' -f1 "$WORK/$kind.segments")
  if [ "$server" = nginx ]; then
    printf '/%s\n' "${segs[@]}"
    return
  fi
  local token
  for token in "${TOKENS[@]}"; do
    for rel in "${segs[@]}"; do echo "/media/v/$VIDEO_ID/$token/$rel"; done
  done
}

# The wrk script: each thread walks the path list from its own offset, and
# done() prints exact totals and percentiles (wrk's own summary rounds them).
wrk_lua() {
  echo "local paths = {"
  sed 's/.*/  "&",/'
  cat <<'EOF'
}
local threads = 0
function setup(thread)
  thread:set("offset", threads)
  threads = threads + 1
end
local reqs, i = {}, 0
function init(args)
  for k, p in ipairs(paths) do reqs[k] = wrk.format("GET", p) end
  i = offset or 0
end
function request()
  i = i + 1
  return reqs[i % #reqs + 1]
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%.0f bytes=%.0f duration_us=%.0f status=%.0f connect=%.0f read=%.0f write=%.0f timeout=%.0f p50_us=%.0f p99_us=%.0f\n",
    summary.requests, summary.bytes, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
EOF
}

# Every URL of both servers answers 200 with the same bytes, before any load.
check_same_bytes() {
  local kind=$1 path code
  local -a mpaths npaths
  mapfile -t mpaths < <(paths_for manabi "$kind")
  mapfile -t npaths < <(paths_for nginx "$kind")
  for path in "${mpaths[@]}"; do
    code=$(curl -sS --max-time 30 -o "$WORK/m.body" -w '%{http_code}' "http://127.0.0.1:$ORIGIN_PORT$path")
    [ "$code" = 200 ] || die "manabi answered $code for ${path/${TOKENS[0]}/TOKEN}"
  done
  for path in "${npaths[@]}"; do
    code=$(curl -sS --max-time 30 -o "$WORK/n.body" -w '%{http_code}' "http://127.0.0.1:$NGINX_PORT$path")
    [ "$code" = 200 ] || die "nginx answered $code for $path"
    curl -sS --max-time 30 -o "$WORK/m.body" \
      "http://127.0.0.1:$ORIGIN_PORT/media/v/$VIDEO_ID/${TOKENS[0]}$path"
    cmp -s "$WORK/m.body" "$WORK/n.body" || die "manabi and nginx serve different bytes for $path"
  done
  # And a wrong grant gets nothing: the signature check is really on.
  code=$(curl -sS --max-time 30 -o /dev/null -w '%{http_code}' \
    "http://127.0.0.1:$ORIGIN_PORT/media/v/$VIDEO_ID/${TOKENS[0]}x${npaths[0]}")
  [ "$code" = 403 ] || die "manabi answered $code (not 403) for a tampered grant"
}

# ---------------------------------------------------------------------------
# wrk runs
# ---------------------------------------------------------------------------

wrk_cmd() { # SERVER KIND CONNS SECONDS
  local port
  [ "$1" = manabi ] && port=$ORIGIN_PORT || port=$NGINX_PORT
  printf '%s\0' wrk -t "$((THREADS < $3 ? THREADS : $3))" -c "$3" -d "${4}s" \
    --timeout "${WRK_TIMEOUT_S}s" --latency -s "$WORK/lua/$1-$2.lua" "http://127.0.0.1:$port/"
}

# run_wrk SERVER KIND CONNS RESULTS: one measured run; appends
# "rps p50_ms p99_ms MB/s cpu_s/GB cpu_ms/1k_req bytes/req errors cpu_s" to RESULTS.
run_wrk() {
  local server=$1 kind=$2 conns=$3 results=$4 out=$WORK/wrk.out
  local -a pids cmd pids_after
  mapfile -t pids < <(server_pids "$server")
  mapfile -d '' cmd < <(wrk_cmd "$server" "$kind" "$conns" "$DURATION")
  local before after
  before=$(cpu_ticks "${pids[@]}")
  run_bounded $((DURATION + 60)) "${cmd[@]}" >"$out" 2>&1 || {
    cat "$out" >&2
    die "wrk against $server failed or timed out (output above)"
  }
  after=$(cpu_ticks "${pids[@]}")
  mapfile -t pids_after < <(server_pids "$server")
  [ "${pids[*]}" = "${pids_after[*]}" ] ||
    log "warning: $server's processes changed during the run (${pids[*]} -> ${pids_after[*]})"
  kill -0 "${pids[0]}" 2>/dev/null || die "$server died during the run"
  local line
  line=$(grep '^BENCH ' "$out") || {
    cat "$out" >&2
    die "no summary from wrk (output above)"
  }
  awk -v ticks=$((after - before)) -v hz="$CLK_TCK" '{
      for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      s = v["duration_us"] / 1e6; cpu = ticks / hz
      err = v["status"] + v["connect"] + v["read"] + v["write"] + v["timeout"]
      printf "%.1f %.3f %.3f %.1f %.3f %.2f %.0f %d %.2f\n", v["requests"] / s, v["p50_us"] / 1000,
        v["p99_us"] / 1000, v["bytes"] / s / 1e6, (v["bytes"] ? cpu / (v["bytes"] / 1e9) : 0),
        (v["requests"] ? cpu * 1e6 / v["requests"] : 0), (v["requests"] ? v["bytes"] / v["requests"] : 0), err, cpu
    }' <<<"$line" >>"$results"
  log "  $server $kind c=$conns: $(tail -n 1 "$results" |
    awk '{ printf "%s req/s, p50 %s ms, p99 %s ms, %s MB/s, %s CPU-s/GB, %s errors", $1, $2, $3, $4, $5, $8 }')"
}

warm_up() { # SERVER KIND
  local -a cmd
  mapfile -d '' cmd < <(wrk_cmd "$1" "$2" 64 "$WARMUP_S")
  run_bounded $((WARMUP_S + 60)) "${cmd[@]}" >/dev/null 2>&1 || die "warm-up of $1 ($2) failed"
}

bench_all() {
  local round s kind conns first second
  for ((round = 1; round <= RUNS; round++)); do
    log "round $round/$RUNS, load average $(cut -d' ' -f1-3 /proc/loadavg)"
    ROUND_LOADS+="${ROUND_LOADS:+; }$(cut -d' ' -f1 /proc/loadavg)"
    for ((s = 0; s < ${#SCENARIO_KINDS[@]}; s++)); do
      kind=${SCENARIO_KINDS[$s]} conns=${SCENARIO_CONNS[$s]}
      # Swap the order every round: neither server always runs first.
      if (((round + s) % 2)); then first=manabi second=nginx; else first=nginx second=manabi; fi
      run_wrk "$first" "$kind" "$conns" "$WORK/results/$first-$s"
      run_wrk "$second" "$kind" "$conns" "$WORK/results/$second-$s"
    done
  done
}

# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------

# median COLUMN FILE: the median of one column of a results file.
median() {
  awk -v c="$1" '{ print $c }' "$2" | sort -g |
    awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

describe_kind() {
  case "$1" in
  master) echo "master playlist, $(stat -c %s "$HLS_DIR/$REVISION/master.m3u8") bytes (manabi: one URL per grant, $VIEWERS grants; nginx: the same file)" ;;
  *)
    awk -v n="$VIEWERS" '{ split($1, p, "/"); rung = p[2]; s += $2; if (NR == 1 || $2 < lo) lo = $2; if ($2 > hi) hi = $2 }
      END { printf "%d %s segments of %.2f MB on average (%.2f–%.2f MB); manabi cycles them with %d grants\n", NR, rung, s / NR / 1e6, lo / 1e6, hi / 1e6, n }' \
      "$WORK/$1.segments"
    ;;
  esac
}

report_scenario() {
  local s=$1 kind=${SCENARIO_KINDS[$1]} conns=${SCENARIO_CONNS[$1]}
  local m=$WORK/results/manabi-$s n=$WORK/results/nginx-$s
  local c v=()
  for c in 1 2 3 4 5 6 7; do v+=("$(median "$c" "$m")" "$(median "$c" "$n")"); done
  local merr nerr
  merr=$(awk '{ s += $8 } END { print s + 0 }' "$m")
  nerr=$(awk '{ s += $8 } END { print s + 0 }' "$n")

  echo
  echo "### $kind, $conns connections"
  echo
  echo "$(describe_kind "$kind"). Median of $RUNS run(s) of ${DURATION} s per server, alternating."
  echo
  echo "| | manabi origin | nginx | manabi / nginx |"
  echo "|---|---:|---:|---:|"
  awk -v kind="$kind" -v merr="$merr" -v nerr="$nerr" \
    -v mr="${v[0]}" -v nr="${v[1]}" -v m50="${v[2]}" -v n50="${v[3]}" -v m99="${v[4]}" -v n99="${v[5]}" \
    -v mt="${v[6]}" -v nt="${v[7]}" -v mg="${v[8]}" -v ng="${v[9]}" -v mk="${v[10]}" -v nk="${v[11]}" \
    -v mb="${v[12]}" -v nb="${v[13]}" '
    function ratio(a, b) { return b > 0 ? sprintf("%.2f", a / b) : "–" }
    BEGIN {
      printf "| requests/s | %.0f | %.0f | %s |\n", mr, nr, ratio(mr, nr)
      printf "| p50 latency | %.2f ms | %.2f ms | %s |\n", m50, n50, ratio(m50, n50)
      printf "| p99 latency | %.2f ms | %.2f ms | %s |\n", m99, n99, ratio(m99, n99)
      printf "| transfer rate | %.0f MB/s | %.0f MB/s | %s |\n", mt, nt, ratio(mt, nt)
      if (kind == "master")
        printf "| server CPU per request | %.1f µs | %.1f µs | %s |\n", mk, nk, ratio(mk, nk)
      else
        printf "| server CPU-s per GB served | %.3f | %.3f | %s |\n", mg, ng, ratio(mg, ng)
      printf "| bytes per response (body + headers) | %.0f | %.0f | |\n", mb, nb
      printf "| errors (non-2xx/3xx, socket, timeout), all runs | %d | %d | |\n", merr, nerr
    }'
  echo
  echo "All runs (req/s, p50 ms, p99 ms, MB/s, CPU-s/GB, CPU-µs/request): manabi" \
    "$(awk '{ printf "%s%s %s %s %s %s %s", (NR > 1 ? "; " : ""), $1, $2, $3, $4, $5, $6 }' "$m")" \
    "— nginx $(awk '{ printf "%s%s %s %s %s %s %s", (NR > 1 ? "; " : ""), $1, $2, $3, $4, $5, $6 }' "$n")"
  echo
  awk -v kind="$kind" -v mr="${v[0]}" -v nr="${v[1]}" -v m99="${v[4]}" -v n99="${v[5]}" \
    -v mg="${v[8]}" -v ng="${v[9]}" -v tr="$TARGET_RPS_RATIO" -v tp="$TARGET_P99_RATIO" -v tc="$TARGET_CPU_RATIO" '
    function ok(x) { return x ? "met" : "NOT met" }
    BEGIN {
      r = nr > 0 ? mr / nr : 0
      printf "Targets: requests/s >= %.1fx nginx %s (%.2f)", tr, ok(r >= tr), r
      if (kind != "master") {
        p = n99 > 0 ? m99 / n99 : 99; g = ng > 0 ? mg / ng : 99
        printf ", p99 <= nginx %s (%.2fx), CPU-s/GB <= %.1fx nginx %s (%.2f)", ok(p <= tp), p, tc, ok(g <= tc), g
      }
      printf "\n"
    }'
}

# The arguments as one line a shell would read back (for the report).
shell_quote() {
  local arg out="" q="'\\''"
  for arg in "$@"; do
    if [[ "$arg" =~ ^[A-Za-z0-9_./:=+,%@-]+$ ]]; then
      out+=" $arg"
    else
      out+=" '${arg//\'/$q}'"
    fi
  done
  printf '%s\n' "${out# }"
}

report() {
  local load_start=$1 load_bench=$2 started=$3
  local example=()
  mapfile -d '' example < <(wrk_cmd manabi seg2m 256 "$DURATION")
  echo "## origin vs nginx: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "- machine: $(nproc) CPU ($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM, Linux $(uname -r)"
  echo "- load average at start / before the wrk runs / end: $load_start / $load_bench / $(cut -d' ' -f1-3 /proc/loadavg); 1-min load at each round's start: $ROUND_LOADS"
  echo "- $(nginx -v 2>&1 | sed 's/^nginx version: //'); $({ wrk -v 2>&1 || true; } | awk 'NR == 1 { print $1, $2 }'); manabi $MANABI_ORIGIN"
  echo "- manabi: \`manabi serve --role origin\` (the measured process; the catalog ran only to upload, transcode and issue grants, and was stopped before the runs), MANABI_LOG__LEVEL=warn (nginx: access_log off), hot-object cache on at its default (origin.cache_bytes = 256 MiB: the local store's segment files stay open after the first request and are sent from the page cache with sendfile, as nginx's are); every request carries a real grant and is verified"
  echo "- server CPU: utime+stime from /proc/PID/stat before and after each run (manabi: the origin process; nginx: master + $(pgrep -P "$NGINX_PID" | wc -l) workers); GB = 10^9 bytes read by wrk; wrk runs on the same $(nproc) cores"
  echo "- $RUNS run(s) of ${DURATION} s per server and scenario after a ${WARMUP_S} s warm-up, order swapping every round; script wall time $(($(date +%s) - started)) s"
  echo "- commands:"
  echo "  - \`MANABI_DATA_DIR=DATA MANABI_HTTP__ADDR=127.0.0.1:0 MANABI_LOG__LEVEL=warn manabi serve --role origin\`"
  echo "  - \`nginx -p PREFIX -e PREFIX/error.log -c PREFIX/nginx.conf\` with the config below"
  echo "  - \`$(shell_quote "${example[@]}" | sed "s|$WORK/lua/|SCRIPTS/|")\` (per scenario: -c 64 or 256, the script of the content)"
  echo
  echo "<details><summary>nginx.conf and the wrk script (manabi, ~2 MB segments)</summary>"
  echo
  echo '```nginx'
  sed "s|$WORK|TMP|g" "$WORK/nginx/nginx.conf"
  echo '```'
  echo
  echo '```lua'
  sed "s|/media/v/$VIDEO_ID/[^/]*/|/media/v/$VIDEO_ID/GRANT/|" "$WORK/lua/manabi-seg2m.lua" |
    awk '/^  "/ { if (++n > 3) { if (n == 4) print "  -- …"; next } } { print }'
  echo '```'
  echo
  echo "</details>"
  local s
  for ((s = 0; s < ${#SCENARIO_KINDS[@]}; s++)); do report_scenario "$s"; done
}

# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------

cleanup() {
  if [ -n "$CHILD" ]; then
    kill -TERM "$CHILD" 2>/dev/null || true # timeout passes it on to its group
    wait "$CHILD" 2>/dev/null || true
  fi
  local pid
  for pid in "${SERVERS[@]}"; do stop_server "$pid"; done
  if [ -n "$WORK" ]; then rm -rf "$WORK"; fi
}

main() {
  local started
  started=$(date +%s)
  parse_args "$@"
  ensure_tools
  build_manabi

  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/manabi-bench.XXXXXX")
  mkdir -p "$WORK/lua" "$WORK/results"
  manabi_env

  local load_start
  load_start=$(cut -d' ' -f1-3 /proc/loadavg)

  log "generating a ${CLIP_S} s 1080p noisy testsrc2 clip"
  gen_clip "$WORK/clip.mp4"

  start_manabi all catalog
  CATALOG_PID=$STARTED_PID CATALOG_PORT=$STARTED_PORT
  prepare_content
  stop_server "$CATALOG_PID"
  rm -f "$WORK/clip.mp4"

  start_manabi origin origin
  ORIGIN_PID=$STARTED_PID ORIGIN_PORT=$STARTED_PORT
  start_nginx

  local kind server
  for kind in seg2m seg1m; do
    pick_segments "$kind"
    log "$kind: $(describe_kind "$kind")"
  done
  for kind in seg2m seg1m master; do
    for server in manabi nginx; do
      paths_for "$server" "$kind" | wrk_lua >"$WORK/lua/$server-$kind.lua"
    done
    check_same_bytes "$kind"
  done
  log "both servers answer 200 with identical bytes; a tampered grant gets 403"
  for kind in seg2m seg1m master; do
    for server in manabi nginx; do warm_up "$server" "$kind"; done
  done

  local load_bench
  load_bench=$(cut -d' ' -f1-3 /proc/loadavg)
  bench_all
  report "$load_start" "$load_bench" "$started"
  log "done in $(($(date +%s) - started)) s"
}

main "$@"
