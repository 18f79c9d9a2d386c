#!/usr/bin/env bash
# Sets up everything on a fresh Debian/Ubuntu machine: system packages, .venv/, all Python packages.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
need=""
for bin in chromium espeak-ng sox tesseract ffmpeg; do command -v "$bin" >/dev/null 2>&1 || need=1; done
# the editor-export tests: melt renders the .kdenlive (under xvfb-run), xmllint checks FCPXML
for bin in melt xvfb-run xauth xmllint; do command -v "$bin" >/dev/null 2>&1 || need=1; done
# the workbench uses emoji page icons; headless chromium needs a font to draw them
[ -f /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || need=1
# the describe bench and tests draw captions in DejaVu fonts
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf ] || need=1
# the service's ledger tests start a throwaway PostgreSQL server (Debian keeps initdb off PATH)
command -v initdb >/dev/null 2>&1 || compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null \
  || need=1
if [ -n "$need" ]; then
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium espeak-ng sox \
    libsndfile1 tesseract-ocr tesseract-ocr-eng ffmpeg fonts-noto-color-emoji \
    fonts-dejavu-core postgresql melt xvfb xauth libxml2-utils
fi
PY="${PYTHON:-python3.11}"
command -v "$PY" >/dev/null 2>&1 || PY=python3
if ! "$PY" -c "import ensurepip, venv" >/dev/null 2>&1; then
  # Debian/Ubuntu split venv out of the interpreter package.
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q python3.11-venv || \
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q python3-venv
fi
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
# torch first: this pin resolves to the CPU build; a bare 'torch' would pull a CUDA build.
.venv/bin/python -m pip install -q torch==2.13.0
.venv/bin/python -m pip install -q -e ".[all,dev]"
