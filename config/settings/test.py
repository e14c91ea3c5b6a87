"""Tests: the real PostgreSQL and Redis, fast hashing, no outgoing mail."""

import os
from urllib.parse import urlsplit, urlunsplit

os.environ.setdefault("SECRET_KEY", "test-only-insecure-key")
os.environ.setdefault("ALLOWED_HOSTS", "localhost,127.0.0.1,testserver")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/motcua")
os.environ.setdefault("EMAIL_URL", "memorymail://")
# A second alias on the same server stands in for the read replica (config.db_router);
# its TEST MIRROR makes it read the test database instead of creating its own.
os.environ.setdefault("DATABASE_REPLICA_URL", os.environ["DATABASE_URL"])
# Webhook receivers run on this machine (tests: on loopback).
os.environ.setdefault("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", "true")
from config.backends import DEVELOPMENT_SIGNING_KEY

os.environ.setdefault("SIGNING_KEY_ENCRYPTION_KEY", DEVELOPMENT_SIGNING_KEY)
# The demo CA is switched on by the tests that need it (tests/signing).
os.environ.setdefault("SIGNING_DEMO_CA", "false")
# The signing services of the tests listen on loopback over plain HTTP.
os.environ.setdefault("SIGNING_REMOTE_HTTPS_ONLY", "false")

from config.settings.base import *  # noqa: F403
from config.settings.base import CACHES, REDIS_URL

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Each xdist worker caches in its own Redis database (10, 11, ...), away from the
# development data in database 0, so tests may clear it freely. Two checkouts testing
# at once on one Redis set MOTCUA_TEST_REDIS_DB to different bases.
_worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or "0")
_base = int(os.environ.get("MOTCUA_TEST_REDIS_DB", "10"))
_redis = urlsplit(REDIS_URL)
CACHES["default"]["LOCATION"] = urlunsplit(_redis._replace(path=f"/{_base + _worker}"))
CELERY_BROKER_URL = REDIS_URL
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "private": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests write dossiers inside one transaction that never commits, so the on-commit
# bumps of the queue counts' generations would not run: counted afresh each time,
# except in tests/backoffice/test_queue_counts_cache.py, which commits for real.
QUEUE_COUNTS_CACHE_SECONDS = 0
# The same for the issued forms' files: written at once, in the issuing transaction;
# the tests of the worker's path (tests/dossiers/test_documents_deferred.py) turn it off.
ISSUED_DOCUMENTS_WRITE_INLINE = os.environ.get("ISSUED_DOCUMENTS_WRITE_INLINE", "true") == "true"
# Each test process keeps its demo CA and trust roots in a folder of its own.
import tempfile as _tempfile  # noqa: E402

_signing = _tempfile.mkdtemp(prefix="motcua-signing-")
SIGNING_TRUST_ROOTS_DIR = f"{_signing}/trust"
SIGNING_DEMO_CA_DIR = f"{_signing}/demo-ca"
