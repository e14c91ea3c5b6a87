"""Settings shared by every environment.

Only this module reads the environment (12-factor, django-environ); dev, test and
production set their own defaults before importing it and adjust what differs.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
env.smart_cast = False

SECRET_KEY = env.str("SECRET_KEY")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --- Applications -------------------------------------------------------------------
INSTALLED_APPS = [
    "config.admin_site.MotCuaAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_htmx",
    "template_partials",
    "guardian",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "mozilla_django_oidc",
    "pgtrigger",
    "pghistory",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "identity",
    "procedures",
    "signing",
    "dossiers",
    "notifications",
    "feedback",
    "indicators",
    "portal",
    "backoffice",
    "api",
    "loadtest",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.VietnameseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Before anything reads a parameter: a NUL byte never reaches PostgreSQL.
    "config.middleware.BadInputMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.middleware.PrivatePagesNotStoredMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "identity.middleware.SecondFactorPendingMiddleware",
    "identity.middleware.SessionIdleTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes requires: turns a lockout into our own page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.site",
            ],
        },
    },
]

# --- Content-Security-Policy (django-csp; docs/security.md) --------------------------
# No inline script, style or event handler anywhere: every script and stylesheet is a
# file under /static/. Pages may not be framed, except the back office's document
# previews, which web.responses lets the workbench of the same site frame.
CSP_FORM_ACTION_ORIGINS = env.list("CSP_FORM_ACTION_ORIGINS", default=[])
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # Django admin's icons are SVG files; data: covers browsers' own image hints.
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF, *CSP_FORM_ACTION_ORIGINS],
        "frame-ancestors": [NONE],
        "frame-src": [SELF],
    }
}

# --- Data stores ---------------------------------------------------------------------
# PostgreSQL only: the catalogue search needs unaccent/pg_trgm and the dossier log
# relies on database triggers, so there is deliberately no SQLite fallback.
DATABASES = {"default": env.db_url("DATABASE_URL")}
DATABASES["default"]["ENGINE"] = "django.db.backends.postgresql"
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("OPTIONS", {})
DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", 5)
# Server-side parameter binding lets psycopg prepare the statements a connection runs
# again and again (after `prepare_threshold` runs), so PostgreSQL stops re-planning
# them: planning a dossier page's joins costs more than running them.
if env.bool("DB_PREPARED_STATEMENTS", default=True):
    DATABASES["default"]["OPTIONS"].setdefault("server_side_binding", True)
    DATABASES["default"]["OPTIONS"].setdefault("prepare_threshold", 2)
# Behind PgBouncer in transaction mode a server-side cursor cannot outlive its
# transaction: set DB_DISABLE_SERVER_SIDE_CURSORS=1 there (docs/scaling.md).
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool(
    "DB_DISABLE_SERVER_SIDE_CURSORS", default=False
)
# Optional read replica for dashboards and exports (config.db_router): unset, no alias.
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = {
        **DATABASES["default"],
        **env.db_url("DATABASE_REPLICA_URL"),
        "ENGINE": "django.db.backends.postgresql",
        "OPTIONS": dict(DATABASES["default"]["OPTIONS"]),
        # Tests cannot stream replication: the alias reads the test copy of default.
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["config.db_router.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")

CACHES = {
    "default": {
        "BACKEND": "config.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "motcua",
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
}
SESSION_ENGINE = "django.contrib.sessions.backends.cache"

# --- Identity ------------------------------------------------------------------------
AUTH_USER_MODEL = "identity.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses every attempt while the account or the address is locked out.
    "identity.backends.AxesBackend",
    # ID number, email or phone + password.
    "identity.backends.IdentifierBackend",
    "identity.oidc.NationalIdentityBackend",
    "guardian.backends.ObjectPermissionBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/dang-nhap/"
LOGIN_REDIRECT_URL = "/"
# guardian: no anonymous user row; anonymous access is decided by the selectors.
ANONYMOUS_USER_NAME = None

# Sessions end after this much inactivity; officials' sooner (shared counters).
SESSION_IDLE_SECONDS = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
OFFICIAL_SESSION_IDLE_SECONDS = env.int("OFFICIAL_SESSION_IDLE_SECONDS", default=15 * 60)
SESSION_COOKIE_AGE = SESSION_IDLE_SECONDS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SAMESITE = "Lax"

# django-axes: pause the pair (account, client address) after a few failures, so that
# whoever types someone's name locks only himself; the account itself is locked for
# everyone only after many failures from many addresses (identity.security).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "identity.security.AccountLockHandler"
ACCOUNT_LOCK_FAILURE_LIMIT = env.int("ACCOUNT_LOCK_FAILURE_LIMIT", default=50)
# One address trying passwords against many accounts (spraying) pauses after this many
# checked failures within a pause, whatever the accounts.
ADDRESS_LOCK_FAILURE_LIMIT = env.int("ADDRESS_LOCK_FAILURE_LIMIT", default=30)
AXES_RESET_ON_SUCCESS = True
# An attempt refused by a lock is not counted: the pause runs from the last password
# actually checked, and the account-wide count sees only checked passwords.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# The sign-in name may be an ID number: axes stores and logs a keyed hash instead.
AXES_USERNAME_CALLABLE = "identity.security.axes_username"
AXES_LOCKOUT_CALLABLE = "identity.security.lockout_response"
# Axes asks the rate limiter for the client address (not django-ipware, which is not
# installed and would read headers by its own rules), so both key on the same address.
AXES_CLIENT_IP_CALLABLE = "common.ratelimit.client_ip"
AXES_VERBOSE = False
# Second factor (TOTP): failures before a pause, and how long the pause lasts.
OTP_FAILURE_LIMIT = env.int("OTP_FAILURE_LIMIT", default=5)
OTP_COOLOFF_MINUTES = env.int("OTP_COOLOFF_MINUTES", default=15)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="MotCua")
# django-otp's own exponential delay is replaced by the per-account counter above.
OTP_TOTP_THROTTLE_FACTOR = 0

# One-time codes for contact verification and password reset.
CONTACT_CODE_TTL_MINUTES = env.int("CONTACT_CODE_TTL_MINUTES", default=10)
EMAIL_LINK_TTL_HOURS = env.int("EMAIL_LINK_TTL_HOURS", default=24)
CONTACT_CODE_MIN_INTERVAL_SECONDS = env.int("CONTACT_CODE_MIN_INTERVAL_SECONDS", default=60)
CONTACT_CODE_MAX_PER_HOUR = env.int("CONTACT_CODE_MAX_PER_HOUR", default=5)
CONTACT_CODE_MAX_ATTEMPTS = env.int("CONTACT_CODE_MAX_ATTEMPTS", default=5)
# Doors that name an account (password reset, sign-up, inviting a business member): tries
# per hour per client address and, separately, per email, phone or ID number typed.
ACCOUNT_DOOR_RATE = env.int("ACCOUNT_DOOR_RATE", default=10)
# Days an invitation to join a business may be accepted.
BUSINESS_INVITATION_DAYS = env.int("BUSINESS_INVITATION_DAYS", default=7)
# SMS gateway: identity.sms.HttpSmsBackend in production; ConsoleSmsBackend (logs, codes
# masked unless SMS_CONSOLE_SHOW_CODES) or FileSmsBackend in development and tests.
SMS_BACKEND = env.str("SMS_BACKEND", default="identity.sms.ConsoleSmsBackend")
SMS_FILE_PATH = env.str("SMS_FILE_PATH", default=str(BASE_DIR / ".local" / "sms.jsonl"))
SMS_CONSOLE_SHOW_CODES = env.bool("SMS_CONSOLE_SHOW_CODES", default=False)
SMS_HTTP_URL = env.str("SMS_HTTP_URL", default="")
SMS_HTTP_TOKEN = env.str("SMS_HTTP_TOKEN", default="")
SMS_HTTP_SENDER = env.str("SMS_HTTP_SENDER", default="")
SMS_HTTP_TIMEOUT = env.float("SMS_HTTP_TIMEOUT", default=5.0)
SMS_HTTP_RETRIES = env.int("SMS_HTTP_RETRIES", default=2)
SMS_HTTP_BACKOFF = env.float("SMS_HTTP_BACKOFF", default=0.5)

# Digital signatures (signing/, docs/signing.md). Private keys at rest are encrypted
# with these Fernet keys (comma-separated; the first encrypts, all decrypt).
SIGNING_KEY_ENCRYPTION_KEY = env.str("SIGNING_KEY_ENCRYPTION_KEY", default="")
# CA certificates (PEM or DER files) that signatures are validated against.
SIGNING_TRUST_ROOTS_DIR = env.str(
    "SIGNING_TRUST_ROOTS_DIR", default=str(BASE_DIR / ".local" / "signing" / "trust")
)
# Development only: seed_demo creates a demo CA there and trusts its root.
SIGNING_DEMO_CA = env.bool("SIGNING_DEMO_CA", default=False)
SIGNING_DEMO_CA_DIR = env.str(
    "SIGNING_DEMO_CA_DIR", default=str(BASE_DIR / ".local" / "signing" / "demo-ca")
)
# An RFC 3161 timestamping authority; empty: the signing time is the server's clock.
SIGNING_TSA_URL = env.str("SIGNING_TSA_URL", default="")
SIGNING_REMOTE_TIMEOUT = env.float("SIGNING_REMOTE_TIMEOUT", default=10.0)
# A remote signing service receives the access token and the documents' digests: HTTPS
# only, except on a development machine and in tests (loopback services).
SIGNING_REMOTE_HTTPS_ONLY = env.bool("SIGNING_REMOTE_HTTPS_ONLY", default=True)
SIGNING_STAMP_FONT = env.str(
    "SIGNING_STAMP_FONT", default="/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
)
SIGNING_VERIFY_DOOR_RATE = env.int("SIGNING_VERIFY_DOOR_RATE", default=20)

# National population registry: "local" (a table, development and tests) or "http".
IDENTITY_REGISTRY = env.str("IDENTITY_REGISTRY", default="local")
IDENTITY_REGISTRY_URL = env.str("IDENTITY_REGISTRY_URL", default="")
IDENTITY_REGISTRY_TIMEOUT = env.float("IDENTITY_REGISTRY_TIMEOUT", default=5.0)
IDENTITY_REGISTRY_RETRIES = env.int("IDENTITY_REGISTRY_RETRIES", default=2)
IDENTITY_REGISTRY_CLIENT_CERT = env.str("IDENTITY_REGISTRY_CLIENT_CERT", default="")
IDENTITY_REGISTRY_CLIENT_KEY = env.str("IDENTITY_REGISTRY_CLIENT_KEY", default="")
IDENTITY_REGISTRY_CA_BUNDLE = env.str("IDENTITY_REGISTRY_CA_BUNDLE", default="")

# OpenID Connect single sign-on with the national identity platform (off when unset).
OIDC_ENABLED = env.bool("OIDC_ENABLED", default=False)
OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env.str("OIDC_RP_CLIENT_SECRET", default="")
OIDC_RP_SIGN_ALGO = env.str("OIDC_RP_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = env.str("OIDC_RP_SCOPES", default="openid profile")
OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("OIDC_OP_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_OP_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env.str("OIDC_OP_USER_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env.str("OIDC_OP_JWKS_ENDPOINT", default="")
OIDC_ID_NUMBER_CLAIM = env.str("OIDC_ID_NUMBER_CLAIM", default="id_number")
OIDC_USE_PKCE = True
OIDC_VERIFY_SSL = env.bool("OIDC_VERIFY_SSL", default=True)
OIDC_TIMEOUT = env.float("OIDC_TIMEOUT", default=10.0)
OIDC_AUTHENTICATION_CALLBACK_URL = "oidc_authentication_callback"
LOGIN_REDIRECT_URL_FAILURE = "/dang-nhap/?sso=failed"

# --- Internationalisation ------------------------------------------------------------
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="vi")
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Ho_Chi_Minh")
USE_I18N = True
USE_TZ = True
# Dates day first (dd/mm/yyyy) in both languages wherever no explicit format is given.
FORMAT_MODULE_PATH = ["config.formats"]

# --- Static and media files ----------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = env.str("MEDIA_URL", default="/media/")
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Files always go through Django's storage API: local disk by default, any
# S3-compatible object store in production (STORAGE_BACKEND + its OPTIONS).
STORAGES = {
    "default": {
        "BACKEND": env.str(
            "STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"
        ),
        "OPTIONS": env.json("STORAGE_OPTIONS", default={}),
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Email ---------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="MotCua <no-reply@motcua.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery --------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULE: dict = {}

# --- Citizens' feedback (feedback) ----------------------------------------------------
# Working days an agency has to answer feedback or a recommendation, counted like a
# dossier's deadline (procedures.calendar: weekends, holidays, make-up days, cut-off).
FEEDBACK_ANSWER_DAYS = env.int("FEEDBACK_ANSWER_DAYS", default=10)
# Pages of the public list of answers per address per minute (common.ratelimit).
FEEDBACK_PUBLIC_RATE = env.int("FEEDBACK_PUBLIC_RATE", default=60)

# --- Issued standard forms (dossiers.documents) ------------------------------------------
# A form's PDF is written by a worker right after the action commits; one not written
# this many seconds after its issuance is taken by the sweep (a worker died, Redis was
# down). A failed rendering is retried with the outbox's backoff, at most MAX times.
ISSUED_DOCUMENT_SWEEP_AFTER_SECONDS = env.float("ISSUED_DOCUMENT_SWEEP_AFTER_SECONDS", default=60.0)
# 8 attempts with the outbox's default backoff span about an hour (a signer down).
ISSUED_DOCUMENT_MAX_ATTEMPTS = env.int("ISSUED_DOCUMENT_MAX_ATTEMPTS", default=8)
# A download asked for before the file exists waits this long for it, then says 503.
ISSUED_DOCUMENT_WAIT_SECONDS = env.float("ISSUED_DOCUMENT_WAIT_SECONDS", default=5.0)
# Write the file inside the issuing transaction instead (tests, whose transactions
# never commit, so no on-commit hook runs).
ISSUED_DOCUMENTS_WRITE_INLINE = env.bool("ISSUED_DOCUMENTS_WRITE_INLINE", default=False)

# --- Outbox (dossiers.outbox) and partner sync (dossiers.partner) ------------------------
# A failed delivery is retried after base * 2**(attempts-1) seconds, at most max seconds
# apart; after OUTBOX_MAX_ATTEMPTS it is marked failed (Django admin can retry it).
OUTBOX_RETRY_BASE_SECONDS = env.float("OUTBOX_RETRY_BASE_SECONDS", default=30.0)
OUTBOX_RETRY_MAX_SECONDS = env.float("OUTBOX_RETRY_MAX_SECONDS", default=3600.0)
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=10)
# A delivery waiting for an earlier one (ordering) looks again this much later.
OUTBOX_NOT_YET_SECONDS = env.float("OUTBOX_NOT_YET_SECONDS", default=5.0)
OUTBOX_SWEEP_SECONDS = env.float("OUTBOX_SWEEP_SECONDS", default=60.0)
# Events whose every delivery was sent are deleted this many days after they were
# written (nightly, dossiers.outbox.purge_delivered); pending and failed ones stay.
OUTBOX_KEEP_DAYS = env.float("OUTBOX_KEEP_DAYS", default=30.0)
# Back-office tab counts are cached per official this long at most (dossiers.queues):
# any change to a dossier of their agencies recounts at once; only what the clock
# alone moves ("due soon", "overdue") can lag by this much. 0 turns the cache off.
QUEUE_COUNTS_CACHE_SECONDS = env.int("QUEUE_COUNTS_CACHE_SECONDS", default=60)
# The open tabs' counts from the queue tally (dossiers.tally); off: on the dossier table.
QUEUE_TALLY = env.bool("QUEUE_TALLY", default=True)
# Extra subscribers (dotted paths of Subscriber classes) registered at start-up.
OUTBOX_SUBSCRIBERS = env.list("OUTBOX_SUBSCRIBERS", default=[])
# Status push to the national public-service portal: a webhook subscription of the
# operators, brought in line with these two after every `migrate` (and by
# `manage.py webhook_national_portal`); nothing is set up while the URL is empty.
PARTNER_SYNC_URL = env.str("PARTNER_SYNC_URL", default="")
PARTNER_SYNC_SECRET = env.str("PARTNER_SYNC_SECRET", default="")
# Webhooks (api.webhooks): each call's time limit, the receivers' replay window (what
# the docs tell them to check; our own `verify` uses it), and whether a subscription
# may point at a private, loopback or link-local address (off in production: a client
# must not make the server call inside the city's network).
WEBHOOK_TIMEOUT = env.float(
    "WEBHOOK_TIMEOUT", default=env.float("PARTNER_SYNC_TIMEOUT", default=10.0)
)
WEBHOOK_REPLAY_WINDOW_SECONDS = env.int("WEBHOOK_REPLAY_WINDOW_SECONDS", default=300)
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env.bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", default=False)
# Subscriptions one client may hold at once.
WEBHOOK_MAX_PER_CLIENT = env.int("WEBHOOK_MAX_PER_CLIENT", default=10)

# --- Public API (Django REST framework + drf-spectacular) -----------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
# Public API requests per client address (common.ratelimit, "N/second|minute|hour").
API_ANON_RATE = env.str("API_ANON_RATE", default="120/minute")
# Partner API requests per API client unless the client names its own rate (api.access).
API_CLIENT_RATE = env.str("API_CLIENT_RATE", default="600/minute")
# OAuth2 client credentials (api.oauth): token requests per address, token lifetime (s).
API_TOKEN_RATE = env.str("API_TOKEN_RATE", default="30/minute")
API_TOKEN_LIFETIME = env.int("API_TOKEN_LIFETIME", default=3600)
# Days the partner API's call log is kept (api.tasks.calls_purge, nightly).
API_CALL_KEEP_DAYS = env.int("API_CALL_KEEP_DAYS", default=90)
SPECTACULAR_SETTINGS = {
    "TITLE": "MotCua API",
    "DESCRIPTION": (
        "The public, read-only catalogue of administrative procedures and the public "
        "status lookup; and the partner API (`/api/v1/dossiers/`, `/api/v1/client/`) for "
        "registered API clients: `Authorization: Bearer <API key>`. Errors are RFC 9457 "
        "problem details (`application/problem+json`). Guide: docs/api.md."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and Redoc from drf-spectacular-sidecar's static files: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "TAGS": [
        {"name": "procedures", "description": "The public catalogue."},
        {"name": "agencies", "description": "The agency tree (public)."},
        {"name": "fields", "description": "Fields of procedures (public)."},
        {"name": "statistics", "description": "Public statistics of agencies."},
        {"name": "client", "description": "The calling API client."},
        {"name": "dossiers", "description": "Filing and reading dossiers (API clients)."},
        {"name": "documents", "description": "Files of dossiers (API clients)."},
        {"name": "actions", "description": "Back-office actions on dossiers (API clients)."},
    ],
    # Choice sets that share a field name ("status") get names of their own.
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "dossiers.constants.Status",
        "DeliveryStatusEnum": "dossiers.constants.DeliveryStatus",
    },
}

# --- Working-day calendar (procedures.calendar) --------------------------------------
MOTCUA_OFFICE_HOURS = [
    tuple(period.split("-"))
    for period in env.list("OFFICE_HOURS", default=["07:30-11:30", "13:00-17:00"])
]
MOTCUA_CUTOFF = env.str("OFFICE_CUTOFF", default="15:00")
# National-catalogue records seed_demo imports: a copy of ../shared/data/catalogue
# (public records, see its README) kept in the repository so any clone has them.
CATALOGUE_DATA_DIR = Path(
    env.str("CATALOGUE_DATA_DIR", default=str(BASE_DIR / "procedures" / "data" / "catalogue"))
)

# --- Site ----------------------------------------------------------------------------
SITE_NAME = env.str("SITE_NAME", default="Cổng dịch vụ công Thành phố")
SITE_CITY = env.str("SITE_CITY", default="Thành phố Hồ Chí Minh")
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# Seconds each /readyz probe may take before the service counts as down.
READINESS_TIMEOUT = env.float("READINESS_TIMEOUT", default=2.0)
READINESS_CELERY_QUEUE = env.str("READINESS_CELERY_QUEUE", default="")
# /readyz?deep=1 from outside the host: `Authorization: Bearer <token>` or ?token=.
# Empty: the deep check answers the loopback only.
READYZ_TOKEN = env.str("READYZ_TOKEN", default="")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Seven INFO lines per PDF (every receipt, every form) would drown the log.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- Dossiers ------------------------------------------------------------------------
# Dossier files live in a private storage (never under MEDIA_URL): a folder outside
# MEDIA_ROOT here, a private bucket in production (PRIVATE_STORAGE_BACKEND + OPTIONS).
PRIVATE_MEDIA_ROOT = Path(
    env.str("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / ".local" / "private"))
)
STORAGES["private"] = {
    "BACKEND": env.str(
        "PRIVATE_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"
    ),
    "OPTIONS": env.json(
        "PRIVATE_STORAGE_OPTIONS", default={"location": str(PRIVATE_MEDIA_ROOT), "base_url": None}
    ),
}
DOSSIER_MAX_FILE_MB = env.int("DOSSIER_MAX_FILE_MB", default=10)
DOSSIER_MAX_FILES_PER_DOCUMENT = env.int("DOSSIER_MAX_FILES_PER_DOCUMENT", default=5)
# Virus scan of every upload (docs/security.md): dotted path of a class with
# `scan(content) -> Verdict`, e.g. "dossiers.scanning.ClamdScanner"; empty: no scan.
DOSSIER_UPLOAD_SCANNER = env.str("DOSSIER_UPLOAD_SCANNER", default="")
DOSSIER_CLAMD_ADDRESS = env.str("DOSSIER_CLAMD_ADDRESS", default="tcp://127.0.0.1:3310")
# Seconds to connect to clamd and for each read and write; then the upload is refused.
DOSSIER_CLAMD_TIMEOUT = env.float("DOSSIER_CLAMD_TIMEOUT", default=15.0)
if env.str("DOSSIER_VIRUS_SCANNER", default=""):
    # The old hook took a function; a deployment that set it must not lose its scan.
    raise ImproperlyConfigured(
        "DOSSIER_VIRUS_SCANNER is replaced by DOSSIER_UPLOAD_SCANNER (a Scanner class)."
    )
# Production behind nginx: serve downloads with X-Accel-Redirect from this internal
# location instead of streaming them through Django (empty: stream).
DOSSIER_X_ACCEL_PREFIX = env.str("DOSSIER_X_ACCEL_PREFIX", default="")
# Public lookup (/tra-cuu/ and its JSON twin, one budget): look-ups per client address
# per minute.
DOSSIER_LOOKUP_RATE = env.int("DOSSIER_LOOKUP_RATE", default=30)
# Requests per minute and client to the public statistics JSON (indicators.api).
STATISTICS_API_RATE = env.int("STATISTICS_API_RATE", default=30)
# Reverse proxies in front of the web nodes that append to X-Forwarded-For; the client
# address is the one the outermost of them wrote (common.ratelimit.client_address).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Payment gateway class: VnpayGateway in production, DevelopmentGateway (a simulated bank
# whose signed callbacks use PAYMENT_DEV_SECRET) in development and tests.
PAYMENT_GATEWAY = env.str("PAYMENT_GATEWAY", default="dossiers.payments.DevelopmentGateway")
PAYMENT_DEV_SECRET = env.str("PAYMENT_DEV_SECRET", default=SECRET_KEY)
VNPAY_TMN_CODE = env.str("VNPAY_TMN_CODE", default="")
VNPAY_HASH_SECRET = env.str("VNPAY_HASH_SECRET", default="")
VNPAY_PAYMENT_URL = env.str(
    "VNPAY_PAYMENT_URL", default="https://sandbox.vnpayment.vn/paymentv2/vpcpay.html"
)
# Empty: SITE_URL + the portal's result page (/thanh-toan/ket-qua/).
VNPAY_RETURN_URL = env.str("VNPAY_RETURN_URL", default="")
VNPAY_VERSION = env.str("VNPAY_VERSION", default="2.1.0")
VNPAY_LOCALE = env.str("VNPAY_LOCALE", default="vn")
VNPAY_EXPIRE_MINUTES = env.int("VNPAY_EXPIRE_MINUTES", default=15)
# Production refuses development backends (config/backends.py) unless this is set:
# for a staging copy only, where `check --deploy` still warns about each one.
ALLOW_DEVELOPMENT_BACKENDS = env.bool("ALLOW_DEVELOPMENT_BACKENDS", default=False)

# Back office: a running dossier is "due soon" when its appointment falls
# within this many working days from today.
BACKOFFICE_DUE_SOON_DAYS = env.int("BACKOFFICE_DUE_SOON_DAYS", default=2)

# One-stop rules whose wording in Decree 118/2025 could not be confirmed: settings with
# the reading of Decree 61/2018 as default (dossiers/legal.py, docs/legal.md).
# After a complete supplement during processing: "restart" the full allotted time, or
# "pause" (add only the working days waited).
LEGAL_SUPPLEMENT_CLOCK = env.str("LEGAL_SUPPLEMENT_CLOCK", default="restart")
# A supplement request during processing is on time within this many working days of receipt.
LEGAL_SUPPLEMENT_REQUEST_DAYS = env.int("LEGAL_SUPPLEMENT_REQUEST_DAYS", default=3)
# The apology (form 04) is expected this many working days before the deadline.
LEGAL_APOLOGY_LEAD_DAYS = env.int("LEGAL_APOLOGY_LEAD_DAYS", default=1)
# A dossier received after the afternoon cut-off (OFFICE_CUTOFF) is transferred by
# this time of the next working morning.
LEGAL_TRANSFER_MORNING_END = env.str("LEGAL_TRANSFER_MORNING_END", default="11:30")
# The population registry's facts a verified applicant cannot change in a declaration
# (comma-separated among full_name, id_number, birth_date, sex, permanent_address;
# empty: all editable, differences flagged to the official).
LEGAL_DECLARATION_LOCKED = env.str(
    "LEGAL_DECLARATION_LOCKED", default="full_name,id_number,birth_date,sex"
)

# Notifications and clock jobs (notifications/, dossiers/deadlines.py; README "Notifications").
DRAFT_WARNING_DAYS = env.int("DRAFT_WARNING_DAYS", default=30)
DRAFT_DELETE_DAYS = env.int("DRAFT_DELETE_DAYS", default=30)
# Exports of a queue or of the register (form 07): up to this many rows they stream in
# the request; above it a Celery task writes the file and lists it on "My exports".
EXPORT_SYNC_MAX_ROWS = env.int("EXPORT_SYNC_MAX_ROWS", default=5000)
# Form 07 as a signed PDF: WeasyPrint lays out a few hundred rows in the request.
EXPORT_PDF_SYNC_MAX_ROWS = env.int("EXPORT_PDF_SYNC_MAX_ROWS", default=300)
# --- Benchmarks (bench/) --------------------------------------------------------------
# Routes the floor view at /bench/floor/ for load tests. Never on in production.
BENCH_FLOOR = env.bool("BENCH_FLOOR", default=False)
