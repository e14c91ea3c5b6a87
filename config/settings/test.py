"""Tests: the real PostgreSQL and Redis, fast hashing, no outgoing mail."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-insecure-key")
os.environ.setdefault("ALLOWED_HOSTS", "localhost,127.0.0.1,testserver")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/motcua")
os.environ.setdefault("EMAIL_URL", "memorymail://")

from config.settings.base import *  # noqa: F403
from config.settings.base import CACHES, REDIS_URL

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Each xdist worker gets its own Redis database so cache-based tests don't collide.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or "0"
CACHES["default"]["KEY_PREFIX"] = f"motcua-test-{_worker}"
CELERY_BROKER_URL = REDIS_URL
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
