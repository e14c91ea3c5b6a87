"""Production never runs a development backend: the settings refuse to start, the
`deploy` system check reports each one, and the simulated bank is not routed."""

import importlib
import os
import subprocess
import sys
import textwrap

import pytest

from config.backends import DEVELOPMENT_SIGNING_KEY
from config.checks import check_development_backends
from tests.test_settings import PRODUCTION_BACKENDS, REAL_KEY, ROOT, run_check


def _import_production(monkeypatch, **env):
    """Import config.settings.production afresh under `env` (real backends unless
    overridden; an empty value unsets the variable)."""
    values = {"SECRET_KEY": REAL_KEY, "ALLOWED_HOSTS": "motcua.example.gov.vn"}
    values.update(PRODUCTION_BACKENDS)
    values.update(env)
    monkeypatch.delenv("ALLOW_DEVELOPMENT_BACKENDS", raising=False)
    for name, value in values.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    for module in ("config.settings.base", "config.settings.production"):
        monkeypatch.delitem(sys.modules, module, raising=False)
    return importlib.import_module("config.settings.production")


DEVELOPMENT = {
    "payment gateway": (
        {"PAYMENT_GATEWAY": "dossiers.payments.DevelopmentGateway"},
        "PAYMENT_GATEWAY",
    ),
    "vnpay sandbox": (
        {"VNPAY_PAYMENT_URL": "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html"},
        "VNPAY_PAYMENT_URL",
    ),
    "vnpay without secret": ({"VNPAY_HASH_SECRET": ""}, "VNPAY_HASH_SECRET"),
    "vnpay without terminal": ({"VNPAY_TMN_CODE": None}, "VNPAY_TMN_CODE"),
    "sms console": ({"SMS_BACKEND": "identity.sms.ConsoleSmsBackend"}, "SMS_BACKEND"),
    "sms file": ({"SMS_BACKEND": "identity.sms.FileSmsBackend"}, "SMS_BACKEND"),
    "sms default": ({"SMS_BACKEND": None}, "SMS_BACKEND"),
    "sms http without token": ({"SMS_HTTP_TOKEN": ""}, "SMS_HTTP_TOKEN"),
    "email console": ({"EMAIL_URL": "consolemail://"}, "EMAIL_BACKEND"),
    "email file": ({"EMAIL_URL": "filemail:///tmp/motcua-mail"}, "EMAIL_BACKEND"),
    "email memory": ({"EMAIL_URL": "memorymail://"}, "EMAIL_BACKEND"),
    "email default": ({"EMAIL_URL": None}, "EMAIL_BACKEND"),
    "registry local": ({"IDENTITY_REGISTRY": "local"}, "IDENTITY_REGISTRY"),
    "registry http without url": ({"IDENTITY_REGISTRY_URL": ""}, "IDENTITY_REGISTRY_URL"),
    "signing demo ca": ({"SIGNING_DEMO_CA": "true"}, "SIGNING_DEMO_CA"),
    "signing key missing": ({"SIGNING_KEY_ENCRYPTION_KEY": None}, "SIGNING_KEY_ENCRYPTION_KEY"),
    "signing development key": (
        {"SIGNING_KEY_ENCRYPTION_KEY": DEVELOPMENT_SIGNING_KEY},
        "SIGNING_KEY_ENCRYPTION_KEY",
    ),
}


@pytest.mark.parametrize(("env", "setting"), DEVELOPMENT.values(), ids=DEVELOPMENT.keys())
def test_production_refuses_each_development_backend(monkeypatch, env, setting):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured) as refused:
        _import_production(monkeypatch, **env)
    message = str(refused.value)
    assert f"  - {setting}" in message
    assert "set " in message and "ALLOW_DEVELOPMENT_BACKENDS=1" in message
    # Only the offending setting is named.
    assert message.count("\n  - ") == 1


def test_production_starts_with_the_real_backends(monkeypatch):
    production = _import_production(monkeypatch)
    assert production.PAYMENT_GATEWAY == "dossiers.vnpay.VnpayGateway"
    assert production.EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend"
    assert production.EMAIL_USE_TLS is True


def test_staging_may_opt_in_to_development_backends(monkeypatch):
    monkeypatch.setenv("ALLOW_DEVELOPMENT_BACKENDS", "1")
    for module in ("config.settings.base", "config.settings.production"):
        monkeypatch.delitem(sys.modules, module, raising=False)
    monkeypatch.setenv("SECRET_KEY", REAL_KEY)
    monkeypatch.setenv("PAYMENT_GATEWAY", "dossiers.payments.DevelopmentGateway")
    production = importlib.import_module("config.settings.production")
    assert production.PAYMENT_GATEWAY == "dossiers.payments.DevelopmentGateway"


def test_deploy_check_is_an_error_for_each_development_backend(settings):
    settings.ALLOW_DEVELOPMENT_BACKENDS = False
    settings.SIGNING_DEMO_CA = False
    settings.SIGNING_KEY_ENCRYPTION_KEY = PRODUCTION_BACKENDS["SIGNING_KEY_ENCRYPTION_KEY"]
    settings.PAYMENT_GATEWAY = "dossiers.payments.DevelopmentGateway"
    settings.SMS_BACKEND = "identity.sms.ConsoleSmsBackend"
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    settings.IDENTITY_REGISTRY = "local"
    errors = check_development_backends()
    assert {e.id for e in errors} == {"motcua.E001"}
    assert sorted(e.msg.split("=")[0] for e in errors) == [
        "EMAIL_BACKEND",
        "IDENTITY_REGISTRY",
        "PAYMENT_GATEWAY",
        "SMS_BACKEND",
    ]
    assert all(e.is_serious() for e in errors)

    settings.ALLOW_DEVELOPMENT_BACKENDS = True
    warnings = check_development_backends()
    assert len(warnings) == 4 and {w.id for w in warnings} == {"motcua.W001"}
    assert not any(w.is_serious() for w in warnings)


def test_deploy_check_refuses_the_demo_ca_and_the_development_signing_key(settings):
    settings.SIGNING_DEMO_CA = True
    settings.SIGNING_KEY_ENCRYPTION_KEY = f"new-key,{DEVELOPMENT_SIGNING_KEY}"
    found = {e.msg.split("=")[0] for e in check_development_backends()}
    assert {"SIGNING_DEMO_CA", "SIGNING_KEY_ENCRYPTION_KEY"} <= found
    settings.SIGNING_DEMO_CA = False
    settings.SIGNING_KEY_ENCRYPTION_KEY = PRODUCTION_BACKENDS["SIGNING_KEY_ENCRYPTION_KEY"]
    after = {e.msg.split("=")[0] for e in check_development_backends()}
    assert not after & {"SIGNING_DEMO_CA", "SIGNING_KEY_ENCRYPTION_KEY"}


def test_manage_py_check_deploy_warns_on_a_staging_copy():
    result = run_check(
        "config.settings.production",
        SECRET_KEY=REAL_KEY,
        ALLOWED_HOSTS="motcua.example.gov.vn",
        ALLOW_DEVELOPMENT_BACKENDS="1",
        **{**PRODUCTION_BACKENDS, "SMS_BACKEND": "identity.sms.ConsoleSmsBackend"},
    )
    assert result.returncode != 0
    assert "motcua.W001" in result.stderr and "SMS_BACKEND" in result.stderr


def test_the_simulated_bank_is_not_routed_in_production():
    code = textwrap.dedent(
        """
        import django
        django.setup()
        from django.conf import settings
        from django.test import Client, override_settings
        from django.urls import Resolver404, resolve
        # No collectstatic here: the 404 page's static URLs need no manifest.
        plain = "django.contrib.staticfiles.storage.StaticFilesStorage"
        storages = {**settings.STORAGES, "staticfiles": {"BACKEND": plain}}
        override_settings(STORAGES=storages).enable()
        try:
            resolve("/thanh-toan/gia-lap/")
            print("routed")
        except Resolver404:
            print("not routed")
        client = Client(HTTP_HOST="motcua.example.gov.vn")
        order = {"reference": "MC1", "amount": "1", "signature": "x", "pay": "1"}
        print(client.get("/thanh-toan/gia-lap/", order, secure=True).status_code)
        print(client.post("/thanh-toan/gia-lap/", order, secure=True).status_code)
        """
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=REAL_KEY,
        ALLOWED_HOSTS="motcua.example.gov.vn",
        **PRODUCTION_BACKENDS,
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:3] == ["not routed", "404", "404"]
