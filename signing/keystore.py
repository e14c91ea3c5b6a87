"""Private keys at rest: PKCS#12 files and their passwords are kept encrypted with
Fernet keys from the environment (`SIGNING_KEY_ENCRYPTION_KEY`, comma-separated, the
first one encrypts, every one decrypts: a new key is put first, `rotate_signing_keys`
re-encrypts, then the old key is dropped). The database alone never reveals a key."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _fernet() -> MultiFernet:
    configured = str(settings.SIGNING_KEY_ENCRYPTION_KEY or "")
    raw = [k.strip() for k in configured.split(",") if k.strip()]
    if not raw:
        raise ImproperlyConfigured(
            "SIGNING_KEY_ENCRYPTION_KEY is empty: private signing keys cannot be stored "
            "or used (docs/signing.md)."
        )
    try:
        return MultiFernet([Fernet(k.encode()) for k in raw])
    except ValueError as error:
        raise ImproperlyConfigured(f"SIGNING_KEY_ENCRYPTION_KEY: {error}") from None


def encrypt(data: bytes) -> bytes:
    return _fernet().encrypt(data)


def decrypt(token: bytes) -> bytes:
    try:
        return _fernet().decrypt(bytes(token))
    except InvalidToken:
        raise ImproperlyConfigured(
            "A stored signing key cannot be decrypted with SIGNING_KEY_ENCRYPTION_KEY "
            "(was the key changed without keeping the old one?)."
        ) from None


def rotate(token: bytes) -> bytes:
    """The token re-encrypted with the first key."""
    return _fernet().rotate(bytes(token))
