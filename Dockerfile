# MotCua production image: gunicorn (web), celery worker and celery beat all run from it.
#
#   docker build -t motcua:latest .
#   docker run --env-file .env -p 8000:8000 motcua:latest                 # web
#   docker run --env-file .env motcua:latest celery -A config worker -l info
#
# Plain Dockerfile syntax (no BuildKit-only features) so docker-compose v1's builder
# works too. See docs/deploy.md.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- builder: resolve the locked runtime dependencies into /opt/venv ---------------
FROM ${PYTHON_IMAGE} AS builder

ARG UV_VERSION=0.13.9
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_PYTHON=/usr/local/bin/python3.11 \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1

RUN pip install "uv==${UV_VERSION}"

WORKDIR /app
# Only the lock and the project file: this layer is rebuilt when dependencies change,
# not when the code does. Every runtime dependency ships wheels, so no compiler.
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project

# --- runtime ---------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

# WeasyPrint's native libraries (Pango, HarfBuzz subsetting) and fonts with full
# Vietnamese coverage for the PDF forms. Versions come from the pinned Debian release.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz-subset0 \
        fonts-dejavu-core \
        fonts-noto-core \
    && rm -rf /var/lib/apt/lists/*

# Unprivileged user; a writable home for fontconfig's cache and gunicorn's control socket.
RUN groupadd --system --gid 10001 motcua \
    && useradd --system --uid 10001 --gid motcua --create-home --home-dir /home/motcua \
        --shell /usr/sbin/nologin motcua

ENV PATH=/opt/venv/bin:$PATH \
    VIRTUAL_ENV=/opt/venv \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/app/media \
    GUNICORN_CMD_ARGS="--bind=0.0.0.0:8000 --workers=4 --threads=4 --timeout=60 --graceful-timeout=30 --keep-alive=5 --max-requests=1000 --max-requests-jitter=100 --worker-tmp-dir=/dev/shm --access-logfile=-"

COPY --from=builder /opt/venv /opt/venv

WORKDIR /app
# The code stays owned by root: the app user can read it, not change it.
COPY . .

# Static files are collected (hashed and compressed by WhiteNoise) at build time with
# the production settings. SECRET_KEY and DATABASE_URL exist only for this step so the
# settings import; nothing connects to a database and neither value is kept in the image.
RUN SECRET_KEY=build-only-collectstatic-placeholder-never-used-at-runtime-000000 \
        DATABASE_URL=postgres://build:build@127.0.0.1:5432/build \
        python manage.py collectstatic --noinput \
    && python -m compileall -q /app \
    && mkdir -p /app/media /app/private /var/lib/motcua/beat \
    && chown motcua:motcua /app/media /app/private /var/lib/motcua/beat

# /app/media (uploads, when STORAGE_BACKEND is the local disk), /app/private (dossier
# files, when PRIVATE_STORAGE_BACKEND is the local disk) and /var/lib/motcua/beat
# (beat's schedule file) are where compose mounts its named volumes; a new named
# volume takes this ownership, so the unprivileged user can write there.

USER 10001:10001
EXPOSE 8000

# Liveness only (no database): compose overrides it with /readyz for web, with a
# celery ping for the worker, and disables it for beat and migrate.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "/app/docker/healthcheck.py", "/healthz"]

CMD ["gunicorn", "config.wsgi:application"]
