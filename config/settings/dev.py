"""Development: a local machine, demo data, DEBUG on."""

import os

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production")
os.environ.setdefault("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/motcua")
# Webhook receivers run on this machine (tests: on loopback).
os.environ.setdefault("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", "true")
from config.backends import DEVELOPMENT_SIGNING_KEY

os.environ.setdefault("SIGNING_KEY_ENCRYPTION_KEY", DEVELOPMENT_SIGNING_KEY)
os.environ.setdefault("SIGNING_DEMO_CA", "true")
os.environ.setdefault("SIGNING_REMOTE_HTTPS_ONLY", "false")

from config.settings.base import *  # noqa: F403
