#!/usr/bin/env bash
# Issue 3 benchmark: `manabi transcode` against ONE ffmpeg command line that
# produces the same HLS ladder with the same encoder settings.
#
#   benches/transcode_vs_ffmpeg.sh [--runs N] [--seconds S]
#
#   --runs N      timed runs per tool and source (default 3; medians reported)
#   --seconds S   length of each generated source (default 60)
#
# What it does, and why:
#   1. Installs what is missing (ffmpeg CLI, GNU time, a font for the slides,
#      the FFmpeg development packages the build needs) and builds the release
#      binary (`cargo build --release --locked`). BENCH_MANABI_BIN=path skips
#      the build (not MANABI_*: manabi reads every MANABI_* variable as config).
#   2. Generates two 1920x1080 30 fps sources with lavfi, nothing from outside:
#      a lecture-like one (static slides changing every 5 s, a small moving
#      inset, speech-like audio) and testsrc2 with a tone. Both are encoded at
#      x264 CRF 16 so decoding the source is cheap and clean.
#   3. For each source, N rounds; in each round both tools run one after the
#      other, the order swapping every round so neither always gets the warmer
#      cache or the quieter minute. Each run is measured by GNU time -v (wall,
#      user+sys CPU, max RSS) under a timeout, so the script always ends.
#   4. On the last run's outputs: bytes per rung (init + segments) and PSNR /
#      SSIM of every rung against the source scaled to the rung's size. The
#      two ladders must agree within 2 % in size and 0.1 dB in PSNR (AGREE /
#      DISAGREE per rung) — otherwise the timing compares different work.
#   5. Prints one markdown table per source and, for the lecture source, the
#      "bits for quality" line against Apple's fixed H.264 ladder.
#
# Everything is written under one temporary directory, removed at exit.
# Progress goes to stderr; the report goes to stdout.
set -Eeuo pipefail
# Say where an unexpected failure happened instead of stopping silently.
trap 'echo "[bench] failed (status $?) at line $LINENO: $BASH_COMMAND" >&2' ERR

# ---------------------------------------------------------------------------
# Settings shared by both sides. The ffmpeg command is built from these and
# manabi gets the same values through its MANABI_TRANSCODER__* environment,
# so a changed default in config/default.toml cannot skew the comparison.
# ---------------------------------------------------------------------------
RUNG_NAMES=(1080p 720p 540p 360p)
RUNG_HEIGHTS=(1080 720 540 360)
RUNG_MAXRATE_K=(4500 2500 1200 600) # bufsize is 2 x maxrate
CRF=23
PRESET=faster
FPS=30
KEYFRAME_S=2
KEYINT=$((FPS * KEYFRAME_S))
SEGMENT_S=6
AUDIO_KBPS=96
AUDIO_RATE=48000
SLIDE_S=5 # lecture source: a new slide every 5 s

# Apple's HLS Authoring Specification H.264 ladder, the rungs nearest ours
# (1080p, 720p, 540p, 432p), in kbit/s; the issue's "bits for quality" target.
APPLE_KBPS=(6000 3000 2000 730)
APPLE_TARGET_SAVING_PCT=40
TOP_SSIM_MIN=0.98
# Agreement thresholds between the two ladders.
MAX_SIZE_DIFF_PCT=2
MAX_PSNR_DIFF_DB=0.1
# Issue 3 speed targets (manabi / ffmpeg).
TARGET_WALL_RATIO=0.85
TARGET_CPU_RATIO=1.0

FONT=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
FONT_BOLD=/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf

RUNS=3
DURATION=60

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MANABI="" MANABI_ORIGIN=""
WORK=""  # the temporary directory, removed at exit
CHILD="" # the bounded command running now, stopped on Ctrl-C / SIGTERM

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

usage() {
  sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

parse_args() {
  while [ $# -gt 0 ]; do
    case "$1" in
    --runs)
      RUNS=${2:-}
      shift 2 || die "--runs needs a value"
      ;;
    --seconds)
      DURATION=${2:-}
      shift 2 || die "--seconds needs a value"
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *) die "unknown argument: $1 (see --help)" ;;
    esac
  done
  [[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive integer"
  [[ "$DURATION" =~ ^[1-9][0-9]*$ ]] || die "--seconds must be a positive integer"
  # Shorter than one segment would make the ladder degenerate.
  [ "$DURATION" -ge "$SEGMENT_S" ] || die "--seconds must be at least $SEGMENT_S"
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
  command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || missing+=(ffmpeg)
  [ -x /usr/bin/time ] || missing+=(time)
  [ -f "$FONT" ] && [ -f "$FONT_BOLD" ] || missing+=(fonts-dejavu-core)
  if [ -z "${BENCH_MANABI_BIN:-}" ]; then
    # What ffmpeg-next needs to build (same list as scripts/setup.sh build).
    local p
    for p in libavcodec-dev libavformat-dev libavfilter-dev libavdevice-dev libswscale-dev \
      libswresample-dev libavutil-dev libclang-dev pkg-config; do
      deb_installed "$p" || missing+=("$p")
    done
  fi
  [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"

  # Captured first: `grep -q` closing the pipe early would fail it under pipefail.
  local listing
  listing=$(ffmpeg -hide_banner -encoders 2>/dev/null)
  grep -q ' libx264 ' <<<"$listing" || die "this ffmpeg has no libx264 encoder"
  listing=$(ffmpeg -hide_banner -filters 2>/dev/null)
  grep -q ' drawtext ' <<<"$listing" || die "this ffmpeg has no drawtext filter (built without libfreetype)"
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

# run_bounded SECONDS CMD...: runs CMD with a time limit, so a hung encoder
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
# Sources
# ---------------------------------------------------------------------------

# Encodes a lavfi graph with labelled outputs [v] and [a] as a high-quality
# MP4 upload: x264 CRF 16 (transparent, cheap to decode) and AAC 192 kbit/s.
encode_source() {
  local graph=$1 out=$2
  run_bounded $((600 + DURATION * 20)) \
    ffmpeg -hide_banner -nostdin -nostats -loglevel error -y \
    -filter_complex "$graph" -map '[v]' -map '[a]' \
    -c:v libx264 -preset veryfast -crf 16 -pix_fmt yuv420p \
    -c:a aac -b:a 192k -movflags +faststart "$out" ||
    die "generating $out failed"
}

# Lecture-like: a slide deck (coloured title bar, bullet lines, a bar chart)
# whose slide changes every SLIDE_S seconds and is otherwise still, plus a
# 320x180 moving inset (the "speaker") drifting slowly along the bottom, plus
# speech-like audio (band-limited pink noise in syllable bursts and pauses).
# The slide changes come from `enable=` on drawbox/drawtext and from text
# expansion of the slide number, so the graph stays small for any duration.
gen_lecture() {
  local out=$1 s=$DURATION slide="trunc(t/$SLIDE_S)"
  local colours=(0x1F4E79 0x7A1F3D 0x2E6B30 0x8A5A00 0x4B2E83 0x00656B)
  local g k j b h
  g="color=c=0xF7F5EF:s=1920x1080:r=$FPS:d=$s[bg];"
  g+="testsrc2=s=320x180:r=$FPS:d=$s[inset];[bg]"
  # Title bar: one of six colours per slide.
  for k in 0 1 2 3 4 5; do
    g+="drawbox=x=0:y=0:w=1920:h=170:color=${colours[$k]}:t=fill:enable='eq(mod($slide,6),$k)',"
  done
  g+="drawtext=fontfile=$FONT_BOLD:fontsize=76:fontcolor=white:x=90:y=48"
  g+=":text='Lesson %{eif\\:$slide+1\\:d}  Handling resident records',"
  # Two to five bullet lines, their text numbered by slide.
  for j in 0 1 2 3 4; do
    g+="drawtext=fontfile=$FONT:fontsize=52:fontcolor=0x222222:x=130:y=$((260 + j * 110))"
    g+=":text='• Point %{eif\\:$slide*5+$((j + 1))\\:d}  check the form, then file it in the ledger'"
    g+=":enable='lt($j,2+mod($slide,4))',"
  done
  # A bar chart in one of two shapes, clear of the inset's path.
  for k in 0 1; do
    for b in 0 1 2 3; do
      h=$(((b * 97 + k * 173) % 260 + 80))
      g+="drawbox=x=$((1250 + b * 110)):y=$((780 - h)):w=80:h=$h:color=${colours[$((b + k))]}:t=fill"
      g+=":enable='eq(mod($slide,2),$k)',"
    done
  done
  g+="null[slides];"
  g+="[slides][inset]overlay=x='W-w-60-120*(1+sin(2*PI*t/20))':y=H-h-60:shortest=1,format=yuv420p[v];"
  g+="anoisesrc=color=pink:sample_rate=$AUDIO_RATE:amplitude=0.5:duration=$s,"
  g+="highpass=f=120,lowpass=f=3400,"
  g+="volume=eval=frame:volume='0.15+0.85*pow(abs(sin(2*PI*2.3*t)),2)*gt(sin(2*PI*0.4*t),-0.6)',"
  g+="pan=stereo|c0=c0|c1=c0[a]"
  encode_source "$g" "$out"
}

# testsrc2 with a 440 Hz tone: busy, noisy, expensive to encode.
gen_testsrc2() {
  local out=$1 s=$DURATION
  encode_source "testsrc2=s=1920x1080:r=$FPS:d=$s,format=yuv420p[v];sine=frequency=440:sample_rate=$AUDIO_RATE:duration=$s,pan=stereo|c0=c0|c1=c0[a]" "$out"
}

# ---------------------------------------------------------------------------
# The two transcoders
# ---------------------------------------------------------------------------

# The single ffmpeg command a user would script for the same ladder: decode
# once, fps + format once, split, scale per rung, one libx264 per rung with
# the same parameters, AAC per rung (the hls muxer cannot put one audio
# stream into several muxed variants), HLS fMP4 VOD.
ffmpeg_ladder_cmd() {
  local src=$1 out=$2 n=${#RUNG_NAMES[@]} i
  local fc="[0:v]fps=$FPS,format=yuv420p,split=$n"
  for ((i = 0; i < n; i++)); do fc+="[s$i]"; done
  for ((i = 0; i < n; i++)); do fc+=";[s$i]scale=-2:${RUNG_HEIGHTS[$i]},setsar=1[v$i]"; done
  local cmd=(ffmpeg -hide_banner -nostdin -nostats -loglevel warning -y -i "$src" -filter_complex "$fc")
  for ((i = 0; i < n; i++)); do cmd+=(-map "[v$i]"); done
  for ((i = 0; i < n; i++)); do cmd+=(-map 0:a:0); done
  cmd+=(-c:v libx264 -preset "$PRESET" -crf "$CRF" -profile:v high
    -x264-params "keyint=$KEYINT:min-keyint=$KEYINT:scenecut=0:open-gop=0")
  for ((i = 0; i < n; i++)); do
    cmd+=("-maxrate:v:$i" "${RUNG_MAXRATE_K[$i]}k" "-bufsize:v:$i" "$((2 * RUNG_MAXRATE_K[i]))k")
  done
  cmd+=(-c:a aac -b:a "${AUDIO_KBPS}k" -ar "$AUDIO_RATE" -ac 2)
  local map=""
  for ((i = 0; i < n; i++)); do map+="${map:+ }v:$i,a:$i,name:${RUNG_NAMES[$i]}"; done
  cmd+=(-f hls -hls_time "$SEGMENT_S" -hls_segment_type fmp4 -hls_playlist_type vod
    -hls_flags independent_segments -hls_fmp4_init_filename init.mp4
    -hls_segment_filename "$out/%v/seg_%05d.m4s" -master_pl_name master.m3u8
    -var_stream_map "$map" "$out/%v/index.m3u8")
  printf '%s\0' "${cmd[@]}"
}

# manabi with the same settings as the ffmpeg command. Threads: the config's
# advice is "the machine's cores"; keep an explicit setting if one is given.
manabi_env() {
  export MANABI_TRANSCODER__CRF=$CRF MANABI_TRANSCODER__PRESET=$PRESET
  export MANABI_TRANSCODER__AUDIO_KBPS=$AUDIO_KBPS MANABI_TRANSCODER__MAX_FPS=$FPS
  export MANABI_TRANSCODER__SEGMENT_SECONDS=$SEGMENT_S MANABI_TRANSCODER__KEYFRAME_SECONDS=$KEYFRAME_S
  export MANABI_TRANSCODER__LADDER=standard
  export MANABI_TRANSCODER__THREADS=${MANABI_TRANSCODER__THREADS:-$(nproc)}
  export MANABI_LOG__LEVEL=warn
}

# measure NAME TIMEFILE LOGFILE CMD... : runs CMD under GNU time with a
# generous limit (30x real time plus 10 min). The limit sits outside `time`
# so only CMD itself is measured.
measure() {
  local name=$1 timefile=$2 logfile=$3
  shift 3
  if ! run_bounded $((600 + DURATION * 30)) \
    /usr/bin/time -v -o "$timefile" "$@" >"$logfile" 2>&1; then
    tail -n 20 "$logfile" >&2 || true
    die "$name failed or timed out (log above)"
  fi
}

# Prints "wall_s cpu_s maxrss_kb" from a GNU time -v report.
parse_time() {
  awk -F': ' '
    /Elapsed \(wall clock\)/ {
      n = split($2, p, ":"); wall = 0
      for (i = 1; i <= n; i++) wall = wall * 60 + p[i]
    }
    /User time \(seconds\)/ { cpu += $2 }
    /System time \(seconds\)/ { cpu += $2 }
    /Maximum resident set size/ { rss = $2 }
    END { printf "%.2f %.2f %d\n", wall, cpu, rss }
  ' "$1"
}

# One timed run of TOOL (manabi|ffmpeg) on SRC into OUT; appends to RESULTS.
run_one() {
  local tool=$1 src=$2 out=$3 results=$4 timefile=$3.time logfile=$3.log
  rm -rf "$out"
  case "$tool" in
  manabi)
    measure manabi "$timefile" "$logfile" \
      "$MANABI" transcode "$src" "$out" --ladder standard
    ;;
  ffmpeg)
    mkdir -p "$out"
    local cmd=()
    mapfile -d '' cmd < <(ffmpeg_ladder_cmd "$src" "$out")
    measure ffmpeg "$timefile" "$logfile" "${cmd[@]}"
    ;;
  esac
  local r rung
  r=$(parse_time "$timefile")
  echo "$r" >>"$results"
  log "  $tool: wall/cpu(s)/maxrss(kB) = $r"
  # Rung sizes of every run: libx264 with frame threads under a VBV cap is
  # not bit-exact from run to run, and the report shows how much they move.
  for rung in "${RUNG_NAMES[@]}"; do
    [ ! -d "$out/$rung" ] || echo "$rung $(rung_bytes "$out/$rung")" >>"${results%.results}.sizes"
  done
}

# ---------------------------------------------------------------------------
# Size and quality
# ---------------------------------------------------------------------------

# Bytes of a rung as a player downloads it: the init segment and all media
# segments (playlists are negligible and differ in style only).
rung_bytes() {
  find "$1" -maxdepth 1 -type f \( -name '*.mp4' -o -name '*.m4s' \) -printf '%s\n' |
    awk '{ s += $1 } END { printf "%d\n", s }'
}

# quality SRC LADDER_DIR OUTFILE: writes "rung WxH bytes psnr ssim" per rung.
# One ffmpeg pass decodes the source once, converts it as the transcoders do
# (fps, yuv420p), scales it to each rung's size and compares it with that
# rung's playlist (read through the HLS demuxer, as a player would). Both
# sides start at t=0 so the frames pair up whatever the muxer's offset.
quality() {
  local src=$1 dir=$2 outfile=$3 n=${#RUNG_NAMES[@]} i
  local inputs=(-i "$src") lav="[0:v]fps=$FPS,format=yuv420p,setpts=PTS-STARTPTS,split=$n"
  local sizes=()
  for ((i = 0; i < n; i++)); do lav+="[r$i]"; done
  for ((i = 0; i < n; i++)); do
    local rung=${RUNG_NAMES[$i]} wh
    [ -f "$dir/$rung/index.m3u8" ] || die "$dir/$rung/index.m3u8 is missing"
    # ffprobe prints the stream once per program too: keep the first line.
    wh=$(ffprobe -v error -select_streams v:0 -show_entries stream=width,height \
      -of csv=p=0:s=x "$dir/$rung/index.m3u8" | awk 'NF && !done { print; done = 1 }')
    [[ "$wh" =~ ^[0-9]+x[0-9]+$ ]] || die "cannot read the size of $dir/$rung"
    sizes+=("$wh")
    inputs+=(-i "$dir/$rung/index.m3u8")
    lav+=";[r$i]scale=${wh%x*}:${wh#*x},split[ra$i][rb$i]"
    lav+=";[$((i + 1)):v]setpts=PTS-STARTPTS,split[da$i][db$i]"
    lav+=";[da$i][ra$i]psnr@p$i;[db$i][rb$i]ssim@s$i"
  done
  local logfile=$outfile.log
  run_bounded $((600 + DURATION * 30)) \
    ffmpeg -hide_banner -nostdin -nostats -loglevel info "${inputs[@]}" -lavfi "$lav" -f null - \
    >"$logfile" 2>&1 || {
    tail -n 20 "$logfile" >&2
    die "quality measurement of $dir failed"
  }
  : >"$outfile"
  for ((i = 0; i < n; i++)); do
    local psnr ssim
    # "[psnr@p0 @ 0x…] PSNR y:… average:51.10 min:…" and "[ssim@s0 @ 0x…] SSIM … All:0.9990 (…)"
    psnr=$(sed -n "s/^\[psnr@p$i @.*average:\([0-9.inf]*\).*/\1/p" "$logfile")
    ssim=$(sed -n "s/^\[ssim@s$i @.* All:\([0-9.]*\).*/\1/p" "$logfile")
    [ -n "$psnr" ] && [ -n "$ssim" ] || die "no PSNR/SSIM for ${RUNG_NAMES[$i]} in $logfile"
    echo "${RUNG_NAMES[$i]} ${sizes[$i]} $(rung_bytes "$dir/${RUNG_NAMES[$i]}") $psnr $ssim" >>"$outfile"
  done
}

# x264 writes its full option string into the first IDR frame (an SEI
# message: "x264 - core N - … options: cabac=1 ref=2 …"). Reading it back
# from each rung's first segment proves both sides really used the same
# encoder settings; prints the options one per line.
x264_options() {
  local seg
  seg=$(find "$1" -maxdepth 1 -name '*.m4s' | LC_ALL=C sort | awk 'NR == 1')
  [ -n "$seg" ] || return 0
  # awk reads to the end: leaving early would fail `tr` under pipefail (SIGPIPE).
  LC_ALL=C tr -c '[:print:]' '\n' <"$seg" |
    awk '!done && /x264 - core/ { sub(/.*options: /, ""); n = split($0, o, " "); for (i = 1; i <= n; i++) print o[i]; done = 1 }'
}

# Prints one line comparing the x264 options of every rung. Thread counts
# are expected to differ (each side sizes its own thread pools: that is part
# of what is being measured); anything else is reported as a difference.
compare_x264() {
  local dir=$1 rung diffs="" mthreads="" fthreads="" d
  for rung in "${RUNG_NAMES[@]}"; do
    x264_options "$dir/manabi.out/$rung" >"$dir/m.opts"
    x264_options "$dir/ffmpeg.out/$rung" >"$dir/f.opts"
    [ -s "$dir/m.opts" ] && [ -s "$dir/f.opts" ] || {
      diffs+=" $rung: no x264 option string found;"
      continue
    }
    mthreads+="${mthreads:+/}$(sed -n 's/^threads=//p' "$dir/m.opts")"
    fthreads+="${fthreads:+/}$(sed -n 's/^threads=//p' "$dir/f.opts")"
    d=$(awk -F= 'NR == FNR { m[$1] = $2; next }
      $1 !~ /^(lookahead_)?threads$/ && m[$1] != $2 { printf " %s=%s vs %s", $1, m[$1], $2 }' \
      "$dir/m.opts" "$dir/f.opts")
    [ -z "$d" ] || diffs+=" $rung (manabi vs ffmpeg):$d;"
  done
  if [ -z "$diffs" ]; then
    echo "x264 options read back from each rung: identical except thread counts (threads= manabi $mthreads, ffmpeg $fthreads per rung)."
  else
    echo "x264 options read back from each rung DIFFER:$diffs (threads= manabi $mthreads, ffmpeg $fthreads per rung)."
  fi
}

# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------

# spread RUNG SIZESFILE: (max - min) / min of a rung's bytes over the runs, in %.
spread() {
  awk -v r="$1" '$1 == r { if (n++ == 0 || $2 < lo) lo = $2; if ($2 > hi) hi = $2 }
    END { printf "%.2f\n", (n && lo > 0) ? (hi - lo) / lo * 100 : 0 }' "$2"
}

# median COLUMN FILE: the median of one column of a results file.
median() {
  awk -v c="$1" '{ print $c }' "$2" | sort -g |
    awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Prints the markdown report for one source.
report_source() {
  local name=$1 desc=$2 dir=$WORK/$1
  local mres=$dir/manabi.results fres=$dir/ffmpeg.results
  local mw mc mr fw fc fr
  mw=$(median 1 "$mres") mc=$(median 2 "$mres") mr=$(median 3 "$mres")
  fw=$(median 1 "$fres") fc=$(median 2 "$fres") fr=$(median 3 "$fres")

  echo
  echo "### $name: $desc"
  echo
  echo "Median of $RUNS run(s) per tool, alternating."
  echo
  echo "| | manabi | ffmpeg CLI | manabi / ffmpeg |"
  echo "|---|---:|---:|---:|"
  awk -v mw="$mw" -v fw="$fw" -v mc="$mc" -v fc="$fc" -v mr="$mr" -v fr="$fr" 'BEGIN {
    printf "| wall time | %.2f s | %.2f s | %.2f |\n", mw, fw, mw / fw
    printf "| CPU time (user+sys) | %.2f s | %.2f s | %.2f |\n", mc, fc, mc / fc
    printf "| peak RSS | %.0f MB | %.0f MB | %.2f |\n", mr / 1024, fr / 1024, mr / fr
  }'
  echo
  echo "All runs (wall s, CPU s, max RSS kB): manabi $(paste -sd';' "$mres" | sed 's/;/; /g')" \
    "— ffmpeg $(paste -sd';' "$fres" | sed 's/;/; /g')"
  awk -v mw="$mw" -v fw="$fw" -v mc="$mc" -v fc="$fc" -v tw="$TARGET_WALL_RATIO" -v tc="$TARGET_CPU_RATIO" 'BEGIN {
    printf "\nTargets: wall <= %.2fx %s (%.2f), CPU <= %.2fx %s (%.2f)\n", tw,
      (mw / fw <= tw ? "met" : "NOT met"), mw / fw, tc, (mc / fc <= tc ? "met" : "NOT met"), mc / fc
  }'
  echo
  compare_x264 "$dir"
  echo
  echo "| rung | resolution | manabi bytes | ffmpeg bytes | size diff | manabi PSNR | ffmpeg PSNR | PSNR diff | manabi SSIM | ffmpeg SSIM | within 2 % / 0.1 dB | size spread over runs, manabi / ffmpeg |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|"
  # Both files list the rungs in ladder order, one per line.
  local rung i=0
  paste -d' ' "$dir/manabi.quality" "$dir/ffmpeg.quality" >"$dir/paired"
  for rung in "${RUNG_NAMES[@]}"; do
    i=$((i + 1))
    awk -v line="$i" -v smax="$MAX_SIZE_DIFF_PCT" -v pmax="$MAX_PSNR_DIFF_DB" \
      -v ms="$(spread "$rung" "$dir/manabi.sizes")" -v fs="$(spread "$rung" "$dir/ffmpeg.sizes")" '
      # $1-$5: manabi rung, WxH, bytes, PSNR, SSIM; $6-$10: the same for ffmpeg.
      NR == line {
        ds = ($3 - $8) / $8 * 100; dp = $4 - $9
        ok = ($1 == $6 && $2 == $7 && (ds < 0 ? -ds : ds) <= smax && (dp < 0 ? -dp : dp) <= pmax)
        printf "| %s | %s%s | %d | %d | %+.2f %% | %.2f dB | %.2f dB | %+.3f dB | %.4f | %.4f | %s | %.2f %% / %.2f %% |\n",
          $1, $2, ($2 == $7 ? "" : " vs " $7), $3, $8, ds, $4, $9, dp, $5, $10, (ok ? "AGREE" : "DISAGREE"), ms, fs
      }' "$dir/paired"
  done
  if [ "$RUNS" -gt 1 ]; then
    echo
    echo "A DISAGREE whose size difference is within the run-to-run spread may be encoder noise:" \
      "PSNR/SSIM come from the last run only."
  fi
}

# "Bits for quality": manabi's mean rung bitrate on the lecture source against
# the mean of Apple's fixed ladder. Measured from the bytes written (init +
# segments, audio included — Apple's figures are video only, so this is
# conservative) over the source's duration.
report_bits_for_quality() {
  local dir=$WORK/lecture duration
  duration=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$dir/source.mp4")
  local apple
  apple=$(printf '%s\n' "${APPLE_KBPS[@]}" | awk '{ s += $1 } END { print s / NR }')
  echo
  awk -v d="$duration" -v apple="$apple" -v target="$APPLE_TARGET_SAVING_PCT" -v smin="$TOP_SSIM_MIN" '
    { kbps = $3 * 8 / d / 1000; sum += kbps; list = list sprintf("%s%s %.0f", (NR > 1 ? ", " : ""), $1, kbps) }
    NR == 1 { top = $1; top_ssim = $5 }
    END {
      avg = sum / NR; saving = (1 - avg / apple) * 100
      printf "**Bits for quality (lecture):** manabi averages %.0f kbit/s over its %d rungs (%s; audio included) ", avg, NR, list
      printf "against %.1f kbit/s for Apple'\''s 6000/3000/2000/730 kbit/s ladder: **%.1f %% fewer bits**, ", apple, saving
      printf "top rung (%s) SSIM %.4f. Target >= %d %% fewer at SSIM >= %.2f: %s.\n", top, top_ssim, target, smin,
        ((saving >= target && top_ssim >= smin) ? "met" : "NOT met")
    }' "$dir/manabi.quality"
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

# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------

cleanup() {
  if [ -n "$CHILD" ]; then
    kill -TERM "$CHILD" 2>/dev/null || true # timeout passes it on to its group
    wait "$CHILD" 2>/dev/null || true
  fi
  if [ -n "$WORK" ]; then rm -rf "$WORK"; fi
}

bench_source() {
  local name=$1 dir=$WORK/$1 round first second
  : >"$dir/manabi.results"
  : >"$dir/ffmpeg.results"
  : >"$dir/manabi.sizes"
  : >"$dir/ffmpeg.sizes"
  for ((round = 1; round <= RUNS; round++)); do
    # Swap the order every round: neither tool always runs first.
    if ((round % 2)); then first=manabi second=ffmpeg; else first=ffmpeg second=manabi; fi
    log "$name: round $round/$RUNS ($first, then $second)"
    run_one "$first" "$dir/source.mp4" "$dir/$first.out" "$dir/$first.results"
    run_one "$second" "$dir/source.mp4" "$dir/$second.out" "$dir/$second.results"
  done
  log "$name: PSNR/SSIM of every rung (last run of each tool)"
  quality "$dir/source.mp4" "$dir/manabi.out" "$dir/manabi.quality"
  quality "$dir/source.mp4" "$dir/ffmpeg.out" "$dir/ffmpeg.quality"
}

main() {
  parse_args "$@"
  ensure_tools
  build_manabi
  manabi_env

  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/manabi-bench.XXXXXX")
  mkdir -p "$WORK/lecture" "$WORK/testsrc2"

  local load_start
  load_start=$(cut -d' ' -f1-3 /proc/loadavg)

  log "generating sources (${DURATION} s each) in $WORK"
  gen_lecture "$WORK/lecture/source.mp4"
  gen_testsrc2 "$WORK/testsrc2/source.mp4"

  bench_source lecture
  bench_source testsrc2

  local example=()
  mapfile -d '' example < <(ffmpeg_ladder_cmd SOURCE.mp4 OUT)
  echo "## transcode vs ffmpeg CLI: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "- machine: $(nproc) CPU ($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM"
  echo "- load average at start / end: $load_start / $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- $(ffmpeg -hide_banner -version | awk 'NR == 1 { print $1, $2, $3 }'); manabi $MANABI_ORIGIN, MANABI_TRANSCODER__THREADS=$MANABI_TRANSCODER__THREADS"
  echo "- sources: ${DURATION} s, 1920x1080 ${FPS} fps, x264 CRF 16 + AAC; $RUNS run(s) per tool and source"
  echo "- ffmpeg command: \`$(shell_quote "${example[@]}")\`"
  report_source lecture "slides changing every ${SLIDE_S} s + 320x180 moving inset + speech-like audio"
  report_bits_for_quality
  report_source testsrc2 "testsrc2 + 440 Hz tone"
}

main "$@"
