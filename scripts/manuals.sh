#!/usr/bin/env bash
# Builds the Japanese manuals (docs/ja/*.md) into docs/ja/build/NAME.html and
# NAME.pdf (A4, IPA Gothic), with the screenshots the browser test takes.
# Usage: scripts/manuals.sh [SCREENSHOT_DIR]
#   without an argument: builds manabi and runs the browser test
#     (scripts/browser-test.sh, about 4 minutes) with
#     SCREENSHOT_DIR=docs/ja/build/screenshots, so the pictures show this
#     version;
#   with a directory of screenshots from an earlier run: uses those.
# Markdown → HTML with python3-markdown, HTML → PDF with Debian's chromium
# (both installed by scripts/setup.sh test). docs/ja/build/ is git-ignored.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test

out=docs/ja/build
shots="$out/screenshots"
mkdir -p "$out"
if [ $# -ge 1 ]; then
  from=$(cd "$1" && pwd) || { echo "manuals: no screenshot directory $1" >&2; exit 1; }
  if [ "$from" != "$(cd "$shots" 2>/dev/null && pwd)" ]; then
    rm -rf "$shots"
    mkdir -p "$shots"
    cp "$from"/*.png "$shots"/
  fi
else
  cargo build --locked
  rm -rf "$shots"
  SCREENSHOT_DIR="$shots" scripts/browser-test.sh target/debug/manabi
fi

# Every picture a manual shows must be there (tests/manuals.rs checks that the
# browser test takes it; this checks that this run did).
missing=$(grep -ho '](screenshots/[^)]*\.png)' docs/ja/*.md | sed 's/^](screenshots\///; s/)$//' | sort -u |
          while read -r name; do [ -f "$shots/$name" ] || echo "$name"; done)
if [ -n "$missing" ]; then
  echo "manuals: screenshots missing from $shots: $(echo "$missing" | tr '\n' ' ')" >&2
  exit 1
fi

version=$(git describe --always --dirty 2>/dev/null || echo unknown)
today=$(TZ=Asia/Tokyo date +%Y-%m-%d)

cat >"$out/manual.css" <<'CSS'
@page { size: A4; margin: 16mm 14mm 18mm; }
html { font-family: "IPAPGothic", "IPAGothic", "Noto Sans CJK JP", sans-serif; font-size: 10.5pt; line-height: 1.7; color: #1a1a1a; }
body { max-width: 48rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.7rem; border-bottom: 0.15rem solid #0b4f9c; padding-bottom: 0.2rem; }
h2 { font-size: 1.3rem; border-bottom: 0.06rem solid #0b4f9c; margin-top: 2rem; }
h3 { font-size: 1.1rem; margin-top: 1.5rem; }
h4 { font-size: 1rem; }
a { color: #0b4f9c; }
code { font-family: "IPAGothic", monospace; font-size: 0.92em; background: #f2f4f7; padding: 0 0.2em; border-radius: 0.2em; overflow-wrap: anywhere; }
pre { background: #f2f4f7; border: 0.06rem solid #c9ced6; padding: 0.6rem 0.8rem; white-space: pre-wrap; overflow-wrap: anywhere; }
pre code { background: none; padding: 0; }
table { border-collapse: collapse; width: 100%; margin: 0.8rem 0; font-size: 0.92em; }
th, td { border: 0.06rem solid #9aa3ad; padding: 0.25rem 0.4rem; vertical-align: top; text-align: left; }
th { background: #e8edf4; }
img { display: block; max-width: 100%; max-height: 230mm; height: auto; margin: 0.6rem auto; border: 0.06rem solid #9aa3ad; }
hr { border: none; border-top: 0.06rem solid #9aa3ad; margin: 2rem 0; }
.made { color: #555; font-size: 0.85em; border-bottom: 0.06rem solid #c9ced6; padding-bottom: 0.3rem; }
@media print {
  body { max-width: none; padding: 0; }
  h1:not(:first-of-type) { break-before: page; }
  h1, h2, h3, h4 { break-after: avoid; }
  img, pre, tr { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
CSS

# Debian's python3, where python3-markdown is (not a python3 earlier in PATH, e.g. pyenv's).
python=/usr/bin/python3
[ -x "$python" ] || python=python3
"$python" - "$out" "$version" "$today" docs/ja/*.md <<'PY'
import html, pathlib, sys
import markdown
from markdown.extensions.toc import slugify_unicode

out, version, today, *sources = sys.argv[1:]
for source in sources:
    path = pathlib.Path(source)
    text = path.read_text(encoding="utf-8")
    title = next((l[2:].strip() for l in text.splitlines() if l.startswith("# ")), path.stem)
    # Headings get ids (`#13-利用者管理`), so Help in the service can link to a section.
    body = markdown.markdown(
        text,
        extensions=["tables", "fenced_code", "sane_lists", "toc"],
        extension_configs={"toc": {"slugify": slugify_unicode}},
        output_format="html",
    )
    page = f"""<!doctype html>
<html lang="ja">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<link rel="stylesheet" href="manual.css">
</head>
<body>
<p class="made">manabi {html.escape(version)}・{today} 作成（docs/ja/{html.escape(path.name)} から。画面の写真はこの版の自動試験が撮影）</p>
{body}
</body>
</html>
"""
    (pathlib.Path(out) / f"{path.stem}.html").write_text(page, encoding="utf-8")
    print(f"manuals: {out}/{path.stem}.html")
PY

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
for page in "$out"/*.html; do
  pdf="${page%.html}.pdf"
  rm -f "$pdf"
  timeout 120 chromium --headless --no-sandbox --disable-gpu --no-first-run \
    --user-data-dir="$profile" --no-pdf-header-footer --run-all-compositor-stages-before-draw \
    --print-to-pdf="$pdf" "file://$(pwd)/$page" >/dev/null 2>&1 || true
  [ -s "$pdf" ] || { echo "manuals: chromium did not print $pdf" >&2; exit 1; }
  echo "manuals: $pdf ($(du -h "$pdf" | cut -f1))"
done
