#!/usr/bin/env bash
# `make test`: set up a fresh clone like `make run`, then lint and run every test.
# Extra arguments go to pytest, e.g. `make test ARGS="tests/test_health.py -k readyz"`.
source "$(dirname "$0")/bootstrap.sh"

stop_embedded() {
  if [ "${MOTCUA_EMBEDDED_SERVICES:-0}" = 1 ]; then
    "$VENV_PY" scripts/services.py down || true
  fi
}
trap stop_embedded EXIT

# Browser tests drive Debian's Chromium (Playwright cannot download browsers here).
if [ ! -x /usr/bin/chromium ]; then
  apt_install chromium fonts-dejavu-core || die "Chromium is needed for the browser tests."
fi
# axe-core (accessibility checks) is injected into pages by the browser tests;
# oidc-provider is the real OpenID provider the single sign-on tests run on loopback.
if [ ! -f node_modules/axe-core/axe.min.js ] || [ ! -f node_modules/oidc-provider/package.json ]; then
  command -v npm >/dev/null 2>&1 || apt_install npm || die "npm is needed to install axe-core."
  log "installing axe-core and oidc-provider from the npm registry into node_modules/"
  npm ci --no-audit --no-fund --loglevel=error
fi

# The deploy-file tests validate docker-compose.yml with Debian's docker-compose
# (it parses and interpolates without a Docker engine).
if ! command -v docker-compose >/dev/null 2>&1; then
  apt_install docker-compose || log "docker-compose missing: the compose checks will be skipped"
fi

log "ruff check"
"$ROOT/.venv/bin/ruff" check .
log "ruff format --check"
"$ROOT/.venv/bin/ruff" format --check .

log "import-linter (the layers of docs/architecture.md)"
"$ROOT/.venv/bin/lint-imports"

export DJANGO_SETTINGS_MODULE=config.settings.test
log "makemigrations --check"
"$VENV_PY" manage.py makemigrations --check --dry-run
log "check --deploy (production settings, real-looking production backends)"
SECRET_KEY="$("$VENV_PY" -c 'import secrets; print(secrets.token_urlsafe(64))')" \
  ALLOWED_HOSTS=motcua.example.gov.vn \
  PAYMENT_GATEWAY=dossiers.vnpay.VnpayGateway \
  VNPAY_TMN_CODE=MOTCUA01 \
  VNPAY_HASH_SECRET="$("$VENV_PY" -c 'import secrets; print(secrets.token_hex(16))')" \
  VNPAY_PAYMENT_URL=https://pay.vnpay.vn/vpcpay.html \
  SMS_BACKEND=identity.sms.HttpSmsBackend \
  SMS_HTTP_URL=https://sms.example.gov.vn/api/v1/messages \
  SMS_HTTP_TOKEN=check-only-token \
  EMAIL_URL=smtp+tls://motcua:password@smtp.example.gov.vn:587 \
  IDENTITY_REGISTRY=http \
  IDENTITY_REGISTRY_URL=https://dancu.example.gov.vn/api/verify \
  SIGNING_KEY_ENCRYPTION_KEY="$("$VENV_PY" -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())')" \
  SIGNING_DEMO_CA=false \
  "$VENV_PY" manage.py check --deploy --fail-level WARNING --settings=config.settings.production

log "pytest"
"$ROOT/.venv/bin/pytest" -n "${PYTEST_WORKERS:-2}" --dist loadgroup --durations=15 "$@"
