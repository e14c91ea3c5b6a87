"""The development backends production must never run, in one list.

Each entry names a setting, tells whether its value is a development stand-in, and
says what to configure instead. Two readers share the list: the production settings
(which refuse to start, `config/settings/production.py`) and the `deploy` system check
(`config/checks.py`, which `manage.py check --deploy` reports as an error). Both read
plain values, so this module imports nothing from Django's configured settings.

A new stand-in is one more `DevelopmentBackend` here; an entry whose setting is absent
is skipped, so a setting may be listed before the app that defines it exists.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DevelopmentBackend:
    setting: str
    # Called with the setting's value and all the settings (by name).
    is_development: Callable[[Any, Mapping[str, Any]], bool]
    instead: str  # what to configure in production


def _one_of(*choices: str) -> Callable[[Any, Mapping[str, Any]], bool]:
    return lambda value, values: value in choices


def _empty_when(setting: str, choice: str) -> Callable[[Any, Mapping[str, Any]], bool]:
    """True when `setting` is `choice` and this value is empty (a backend half set up)."""
    return lambda value, values: values.get(setting) == choice and not str(value or "").strip()


VNPAY = "dossiers.vnpay.VnpayGateway"
# The Fernet key development and tests encrypt signing keys with (public, so never
# acceptable in production).
DEVELOPMENT_SIGNING_KEY = "bW90Y3VhLWRldmVsb3BtZW50LW9ubHktc2lnbmluZy0="
HTTP_SMS = "identity.sms.HttpSmsBackend"


def _vnpay_sandbox(value: Any, values: Mapping[str, Any]) -> bool:
    vnpay = values.get("PAYMENT_GATEWAY") == VNPAY
    return vnpay and (not value or "sandbox" in str(value).lower())


DEVELOPMENT_BACKENDS: tuple[DevelopmentBackend, ...] = (
    DevelopmentBackend(
        "PAYMENT_GATEWAY",
        _one_of("dossiers.payments.DevelopmentGateway"),
        "PAYMENT_GATEWAY=dossiers.vnpay.VnpayGateway with VNPAY_TMN_CODE, "
        "VNPAY_HASH_SECRET and VNPAY_PAYMENT_URL",
    ),
    DevelopmentBackend(
        "VNPAY_PAYMENT_URL",
        _vnpay_sandbox,
        "VNPAY_PAYMENT_URL=https://pay.vnpay.vn/vpcpay.html (VNPay's production page)",
    ),
    DevelopmentBackend("VNPAY_TMN_CODE", _empty_when("PAYMENT_GATEWAY", VNPAY), "VNPAY_TMN_CODE"),
    DevelopmentBackend(
        "VNPAY_HASH_SECRET", _empty_when("PAYMENT_GATEWAY", VNPAY), "VNPAY_HASH_SECRET"
    ),
    DevelopmentBackend(
        "SMS_BACKEND",
        _one_of("identity.sms.ConsoleSmsBackend", "identity.sms.FileSmsBackend"),
        "SMS_BACKEND=identity.sms.HttpSmsBackend with SMS_HTTP_URL and SMS_HTTP_TOKEN",
    ),
    DevelopmentBackend("SMS_HTTP_URL", _empty_when("SMS_BACKEND", HTTP_SMS), "SMS_HTTP_URL"),
    DevelopmentBackend("SMS_HTTP_TOKEN", _empty_when("SMS_BACKEND", HTTP_SMS), "SMS_HTTP_TOKEN"),
    DevelopmentBackend(
        "EMAIL_BACKEND",
        _one_of(
            "django.core.mail.backends.console.EmailBackend",
            "django.core.mail.backends.filebased.EmailBackend",
            "django.core.mail.backends.locmem.EmailBackend",
            "django.core.mail.backends.dummy.EmailBackend",
        ),
        "EMAIL_URL=smtp+tls://USER:PASSWORD@smtp.example.gov.vn:587",
    ),
    DevelopmentBackend(
        "IDENTITY_REGISTRY",
        _one_of("local"),
        "IDENTITY_REGISTRY=http with IDENTITY_REGISTRY_URL (the population registry gateway)",
    ),
    DevelopmentBackend(
        "IDENTITY_REGISTRY_URL", _empty_when("IDENTITY_REGISTRY", "http"), "IDENTITY_REGISTRY_URL"
    ),
    DevelopmentBackend(
        "SIGNING_DEMO_CA",
        lambda value, values: bool(value),
        "SIGNING_DEMO_CA=0 and the agencies' real certificates (docs/signing.md)",
    ),
    DevelopmentBackend(
        "SIGNING_KEY_ENCRYPTION_KEY",
        lambda value, values: not str(value or "").strip() or DEVELOPMENT_SIGNING_KEY in str(value),
        "SIGNING_KEY_ENCRYPTION_KEY to a Fernet key of this deployment (docs/signing.md)",
    ),
)

_MISSING = object()


@dataclass(frozen=True)
class Finding:
    setting: str
    value: Any
    instead: str

    def __str__(self) -> str:
        if not str(self.value or "").strip():
            return f"{self.setting} is empty; set {self.instead}"
        return f"{self.setting}={self.value!r} is a development backend; set {self.instead}"


def development_backends_in(values: Mapping[str, Any]) -> list[Finding]:
    """The development backends that `values` (settings by name) configure."""
    found = []
    for backend in DEVELOPMENT_BACKENDS:
        value = values.get(backend.setting, _MISSING)
        if value is not _MISSING and backend.is_development(value, values):
            found.append(Finding(backend.setting, value, backend.instead))
    return found
