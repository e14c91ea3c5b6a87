"""Production: real servers, HTTPS, nothing insecure by default."""

from django.core.exceptions import ImproperlyConfigured

from config.backends import development_backends_in
from config.settings.base import *  # noqa: F403
from config.settings.base import ALLOW_DEVELOPMENT_BACKENDS, SECRET_KEY, env

_INSECURE_MARKERS = ("insecure", "dev-only", "test-only", "change-me", "changeme")
if len(SECRET_KEY) < 50 or any(marker in SECRET_KEY for marker in _INSECURE_MARKERS):
    raise ImproperlyConfigured(
        "SECRET_KEY must be a real secret of at least 50 characters in production "
        '(generate one with: python -c "import secrets; print(secrets.token_urlsafe(64))").'
    )

# A simulated bank or a console SMS gateway in production lets anyone mark a fee paid
# or read one-time codes in the logs: refuse to start (staging opts in explicitly).
_development = development_backends_in(globals())
if _development and not ALLOW_DEVELOPMENT_BACKENDS:
    raise ImproperlyConfigured(
        "Development backends are configured in production:\n"
        + "\n".join(f"  - {finding}" for finding in _development)
        + "\nSet the real ones (docs/security.md), or ALLOW_DEVELOPMENT_BACKENDS=1 on a"
        " staging copy only."
    )

DEBUG = False
SESSION_ENGINE = "django.contrib.sessions.backends.cache"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Every storage of base (default, private dossier files, ...) stays as configured;
# only static files change to hashed, compressed names.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
