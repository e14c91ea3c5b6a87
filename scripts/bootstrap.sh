# shellcheck shell=bash
# Sourced by scripts/run.sh and scripts/test.sh: installs what MotCua needs on a fresh
# clone, then finds (or starts) PostgreSQL and Redis and exports their URLs.
# Safe to run again: every step checks before it acts, so a second run takes seconds.

set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$(pwd)"

log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31mERROR:\033[0m %s\n' "$*" >&2; exit 1; }

APT_UPDATED=0
apt_install() {
  # Installs Debian packages when we may (root with apt); otherwise says what is missing.
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    if [ "$APT_UPDATED" = 0 ]; then
      log "apt-get update"
      apt-get update -qq >/dev/null
      APT_UPDATED=1
    fi
    log "installing Debian packages: $*"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  else
    printf 'WARNING: please install these system packages: %s\n' "$*" >&2
    return 1
  fi
}

find_python() {
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
      command -v "$candidate"
      return
    fi
  done
  die "Python 3.11 is required (python3.11 not found)."
}

ensure_uv() {
  # uv alone goes into .local/uv (its wheel is the binary and a stub), through a
  # throw-away venv's pip: no copy of pip or setuptools is left inside the checkout.
  if [ -d "$ROOT/.local/uv/lib" ]; then
    rm -rf "$ROOT/.local/uv"  # an older layout: a whole venv
  fi
  if command -v uv >/dev/null 2>&1; then
    UV="$(command -v uv)"
  elif [ -x "$ROOT/.local/uv/bin/uv" ]; then
    UV="$ROOT/.local/uv/bin/uv"
  else
    log "installing uv (the lock-file installer) into .local/uv"
    local tmp
    tmp="$(mktemp -d)"
    "$PYTHON" -m venv "$tmp/venv"
    "$tmp/venv/bin/pip" install -q --target "$ROOT/.local/uv" uv
    rm -rf "$tmp"
    UV="$ROOT/.local/uv/bin/uv"
  fi
  export UV
}

ensure_weasyprint_libs() {
  # WeasyPrint renders the standard forms through Pango. HarfBuzz's subsetter is asked
  # for on its own: a machine can have Pango without it, and WeasyPrint then falls back
  # to fontTools, which makes every receipt about four times slower.
  local libs
  libs="$(ldconfig -p 2>/dev/null)"
  if ! grep -q 'libpango-1.0.so.0' <<<"$libs" || ! grep -q 'libharfbuzz-subset.so.0' <<<"$libs"; then
    apt_install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core ||
      log "WeasyPrint's libraries are missing: PDF forms will not render until they are installed"
  fi
}

ensure_pdftotext() {
  # The tests read the standard forms (PDF) back as text with poppler's pdftotext.
  if ! command -v pdftotext >/dev/null 2>&1; then
    apt_install poppler-utils ||
      log "pdftotext is missing: the tests of the standard forms will fail until poppler-utils is installed"
  fi
}

ensure_certutil() {
  # The signature tests hand the demo root to poppler's pdfsig through an NSS database.
  if ! command -v certutil >/dev/null 2>&1; then
    apt_install libnss3-tools ||
      log "certutil is missing: pdfsig cannot be told to trust the demo root in the tests"
  fi
}

PYTHON="$(find_python)"
ensure_uv
ensure_weasyprint_libs
ensure_pdftotext
ensure_certutil
mkdir -p "$ROOT/.local"
export UV_PYTHON="$PYTHON"
export UV_PROJECT_ENVIRONMENT="$ROOT/.venv"
log "installing locked Python dependencies into .venv"
"$UV" sync --frozen --quiet
VENV_PY="$ROOT/.venv/bin/python"
export PATH="$ROOT/.venv/bin:$PATH"

log "looking for PostgreSQL and Redis"
if ! SERVICES="$("$VENV_PY" scripts/services.py up)"; then
  die "a required service is not reachable (see the message above)."
fi
eval "$SERVICES"
