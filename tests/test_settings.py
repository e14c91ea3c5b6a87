"""Production settings refuse to start insecurely; the environment drives every setting."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REAL_KEY = "k" * 20 + "Zq8-f1Lr0pWm3Xy_Tb6Nc2Vd9Hs4Gj7Ek5Ua0Oi1Yt" * 2
# Real-looking production backends (config/backends.py refuses the development ones).
PRODUCTION_BACKENDS = {
    "PAYMENT_GATEWAY": "dossiers.vnpay.VnpayGateway",
    "VNPAY_TMN_CODE": "MOTCUA01",
    "VNPAY_HASH_SECRET": "Q3VKZ0JYWkN1c2VTb21lUmVhbFNlY3JldA",
    "VNPAY_PAYMENT_URL": "https://pay.vnpay.vn/vpcpay.html",
    "SMS_BACKEND": "identity.sms.HttpSmsBackend",
    "SMS_HTTP_URL": "https://sms.example.gov.vn/api/v1/messages",
    "SMS_HTTP_TOKEN": "sms-gateway-token",
    "EMAIL_URL": "smtp+tls://motcua:password@smtp.example.gov.vn:587",
    "IDENTITY_REGISTRY": "http",
    "IDENTITY_REGISTRY_URL": "https://dancu.example.gov.vn/api/verify",
    "SIGNING_KEY_ENCRYPTION_KEY": "c2lnbmluZy1rZXktb2YtdGhpcy1kZXBsb3ltZW50ISE=",
    "SIGNING_DEMO_CA": "false",
}


def run_check(settings_module: str, **env_overrides) -> subprocess.CompletedProcess:
    ours = {"SECRET_KEY", "DJANGO_SETTINGS_MODULE", "ALLOW_DEVELOPMENT_BACKENDS", "EMAIL_URL"}
    env = {k: v for k, v in os.environ.items() if k not in ours and k not in PRODUCTION_BACKENDS}
    env.update(env_overrides)
    return subprocess.run(
        [
            sys.executable,
            "manage.py",
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
            f"--settings={settings_module}",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "secret", [None, "short", "dev-only-insecure-key-do-not-use-in-production" + "x" * 20]
)
def test_production_refuses_to_start_without_a_real_secret_key(secret):
    overrides = {"ALLOWED_HOSTS": "motcua.example.gov.vn", **PRODUCTION_BACKENDS}
    if secret is not None:
        overrides["SECRET_KEY"] = secret
    result = run_check("config.settings.production", **overrides)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_deploy_check_is_clean_with_a_real_key():
    result = run_check(
        "config.settings.production",
        SECRET_KEY=REAL_KEY,
        ALLOWED_HOSTS="motcua.example.gov.vn",
        **PRODUCTION_BACKENDS,
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def production_print(code: str, **env_overrides) -> subprocess.CompletedProcess:
    """Runs `code` after django.setup() under the production settings (real-looking
    backends, a real key), in a process of its own."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=REAL_KEY,
        **PRODUCTION_BACKENDS,
        **env_overrides,
    )
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_environment_drives_settings():
    code = (
        "from django.conf import settings as s;"
        "print(s.TIME_ZONE, s.LANGUAGE_CODE, s.DEBUG, s.AUTH_USER_MODEL,"
        " s.DATABASES['default']['ENGINE'], s.CACHES['default']['BACKEND'], s.SESSION_ENGINE)"
    )
    result = production_print(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "Asia/Ho_Chi_Minh",
        "vi",
        "False",
        "identity.User",
        "django.db.backends.postgresql",
        "config.cache.RedisCache",
        "django.contrib.sessions.backends.cache",
    ]


def test_time_zone_and_language_come_from_the_environment():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.dev", TIME_ZONE="UTC", LANGUAGE_CODE="en")
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s;"
            " print(s.TIME_ZONE, s.LANGUAGE_CODE)",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split() == ["UTC", "en"], result.stderr


def test_only_postgresql_is_configured(settings):
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def test_production_cookies_and_policy():
    code = (
        "from django.conf import settings as s;"
        "d = s.CONTENT_SECURITY_POLICY['DIRECTIVES'];"
        "print(s.LANGUAGE_COOKIE_SECURE, s.LANGUAGE_COOKIE_SAMESITE, s.SESSION_COOKIE_SECURE,"
        " d['frame-ancestors'], d['form-action'])"
    )
    result = production_print(code, CSP_FORM_ACTION_ORIGINS="https://pay.example.vn")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "True Lax True [\"'none'\"] [\"'self'\", 'https://pay.example.vn']"
    )
