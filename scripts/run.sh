#!/usr/bin/env bash
# `make run`: set up a fresh clone, load demo data and start web + worker + beat.
source "$(dirname "$0")/bootstrap.sh"

HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-config.settings.dev}"

stop_embedded() {
  if [ "${MOTCUA_EMBEDDED_SERVICES:-0}" = 1 ]; then
    "$VENV_PY" scripts/services.py down || true
  fi
}
trap stop_embedded EXIT

log "applying database migrations"
"$VENV_PY" manage.py migrate --noinput
log "loading demo data (idempotent)"
"$VENV_PY" manage.py seed_demo --quiet

cat <<BANNER

  MotCua is starting at http://$HOST:$PORT/
    portal:       http://$HOST:$PORT/
    back office:  http://$HOST:$PORT/mot-cua/
    admin:        http://$HOST:$PORT/admin/
    readiness:    http://$HOST:$PORT/readyz
    error pages:  http://$HOST:$PORT/__loi/404/ and /__loi/500/ (what citizens see;
                  a wrong address shows Django's debug page in development)

  Demo accounts:
$("$VENV_PY" manage.py seed_demo --list-accounts | sed 's/^/    /')

  Press Ctrl-C to stop everything.

BANNER

export MOTCUA_BIND="$HOST:$PORT"
# honcho runs in the background so that a TERM sent to this script (not only a Ctrl-C
# to the whole terminal group) reaches it; the EXIT trap then stops embedded servers.
"$ROOT/.venv/bin/honcho" -f Procfile.dev start &
HONCHO_PID=$!
trap 'kill -TERM "$HONCHO_PID" 2>/dev/null || true' INT TERM
wait "$HONCHO_PID" || true
wait "$HONCHO_PID" 2>/dev/null || true
